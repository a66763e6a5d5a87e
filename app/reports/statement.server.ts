import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { rowsOf, type DB } from "@db/client.server";
import { campaigns, payments, plans, supporters, type PaymentMethod } from "@db/schema";
import { safeTimeZone } from "~/dates";
import { t } from "~/i18n/t";
import { currencyExponent } from "~/money";
import { PAYMENT_METHOD_LABELS } from "~/payments/labels";
import { csvCell, csvLine, kindInWords } from "./exports.server";

/**
 * A bank statement for Xero's CSV statement import (ADR 046): one line per movement of money, the
 * payments in gross and each refund as a negative line on the day it happened, for the clearing
 * account the money went into (card payments: Stripe; offline: cheques, transfers and cash).
 */

/** Xero's template headings; the asterisks mark the columns Xero requires. */
export const STATEMENT_HEADER = ["*Date", "*Amount", "Payee", "Description", "Reference"];

/** Xero imports at most this many statement lines per file. */
export const XERO_MAX_LINES = 1_000;

export const STATEMENT_ACCOUNTS = ["card", "offline"] as const;
export type StatementAccount = (typeof STATEMENT_ACCOUNTS)[number];
/** Which payments land in which clearing account: card payments in Stripe (or the demo's simulation). */
const PROVIDERS: Record<StatementAccount, ("stripe" | "simulated" | "offline")[]> = {
  card: ["stripe", "simulated"],
  offline: ["offline"],
};

/** Xero reads dates as the organisation's region writes them (day first, or month first in the US). */
export const DATE_ORDERS = ["dmy", "mdy"] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

/** One dated refund: a rise of the payment's refunded total (ADR 046). */
export type RefundMovement = {
  paymentId: number;
  at: Date;
  /** `at` on the organisation's calendar (YYYY-MM-DD). */
  day: string;
  amountMinor: number;
  refundedTotalMinor: number;
};

/**
 * The refunds dated in [from, to), derived from what the ledger observed: a payment's
 * observations in time order (ties: the smaller total first), each rise of the running maximum
 * is one refund of the rise, dated when it was observed. A refund's date never depends on the
 * order its events were delivered in, and a payment's refunds add up to its refunded total.
 */
export async function refundMovements(
  db: DB,
  { from, to, paymentIds, timeZone = "UTC" }: { from: Date; to: Date; paymentIds?: number[]; timeZone?: string },
): Promise<RefundMovement[]> {
  // Raw SQL: postgres.js takes timestamps as text.
  const start = sql`${from.toISOString()}::timestamptz`;
  const end = sql`${to.toISOString()}::timestamptz`;
  const only =
    paymentIds === undefined
      ? sql`o.payment_id in (select payment_id from refund_observations where observed_at >= ${start} and observed_at < ${end})`
      : paymentIds.length === 0
        ? sql`false`
        : sql`o.payment_id in (${sql.join(
            paymentIds.map((id) => sql`${id}`),
            sql`, `,
          )})`;
  const result = await db.execute(sql`
    select payment_id, observed_at, total, total - before as amount,
      to_char(observed_at at time zone ${safeTimeZone(timeZone)}, 'YYYY-MM-DD') as day from (
      select o.payment_id, o.observed_at, o.refunded_total_minor as total,
        coalesce(max(o.refunded_total_minor) over (
          partition by o.payment_id order by o.observed_at, o.refunded_total_minor
          rows between unbounded preceding and 1 preceding), 0) as before
      from refund_observations o
      where ${only}
    ) as w
    where total > before and observed_at >= ${start} and observed_at < ${end}
    order by observed_at, payment_id, total`);
  return rowsOf<{
    payment_id: number;
    observed_at: Date | string;
    total: number | string;
    amount: number | string;
    day: string;
  }>(result).map((r) => ({
    paymentId: Number(r.payment_id),
    at: new Date(r.observed_at),
    day: r.day,
    amountMinor: Number(r.amount),
    refundedTotalMinor: Number(r.total),
  }));
}

function decimal(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const abs = Math.abs(amountMinor);
  if (exponent === 0) return `${sign}${abs}`;
  const scale = 10 ** exponent;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(exponent, "0")}`;
}

/** "2026-12-04" → "04/12/2026" (or "12/04/2026" month first). */
function xeroDate(day: string, order: DateOrder): string {
  const [y, m, d] = day.split("-");
  return order === "mdy" ? `${m}/${d}/${y}` : `${d}/${m}/${y}`;
}

/** Date, amount (ours, written as is: csvCell would guard a leading minus as a formula), then text. */
type Line = { at: Date; order: number; cells: [string, string, string, string, string] };

export type StatementResult =
  { ok: true; csv: string; lines: number } | { ok: false; field: "to" | "currency"; message: string };

/**
 * The statement for [from, to) on the organisation's calendar. Small by Xero's own limit, so it
 * is built whole: more than 1,000 lines is refused with the count, and so is a range holding
 * money in more than one currency unless one is chosen (a Xero bank account has one currency).
 */
export async function statementCsv(
  db: DB,
  {
    from,
    to,
    account,
    timeZone,
    dateOrder = "dmy",
    currency,
    maxLines = XERO_MAX_LINES,
  }: {
    from: Date;
    to: Date;
    account: StatementAccount;
    timeZone: string;
    dateOrder?: DateOrder;
    currency?: string;
    /** Xero's limit; smaller in tests. */
    maxLines?: number;
  },
): Promise<StatementResult> {
  const zone = safeTimeZone(timeZone);
  const providers = PROVIDERS[account];
  const paidRows = await db
    .select({
      id: payments.id,
      paidAt: payments.paidAt,
      day: sql<string>`to_char(${payments.paidAt} at time zone ${zone}, 'YYYY-MM-DD')`,
      receiptNumber: payments.receiptNumber,
      supporterId: payments.supporterId,
      name: supporters.name,
      kind: payments.kind,
      method: payments.method,
      amountMinor: payments.amountMinor,
      currency: payments.currency,
      reference: payments.reference,
      providerPaymentId: payments.providerPaymentId,
      provider: payments.provider,
      planName: plans.name,
      campaign: campaigns.name,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .where(
      and(
        gte(payments.paidAt, from),
        lt(payments.paidAt, to),
        inArray(payments.provider, providers),
        currency ? eq(payments.currency, currency as never) : undefined,
      ),
    )
    .orderBy(asc(payments.paidAt), asc(payments.id))
    .limit(maxLines + 1);

  const movements = await refundMovements(db, { from, to, timeZone: zone });
  const refunded =
    movements.length === 0
      ? []
      : await db
          .select({
            id: payments.id,
            receiptNumber: payments.receiptNumber,
            supporterId: payments.supporterId,
            name: supporters.name,
            kind: payments.kind,
            method: payments.method,
            amountMinor: payments.amountMinor,
            currency: payments.currency,
            provider: payments.provider,
            planName: plans.name,
          })
          .from(payments)
          .innerJoin(supporters, eq(supporters.id, payments.supporterId))
          .leftJoin(plans, eq(plans.id, payments.planId))
          .where(
            and(
              inArray(payments.id, [...new Set(movements.map((m) => m.paymentId))]),
              inArray(payments.provider, providers),
              currency ? eq(payments.currency, currency as never) : undefined,
            ),
          );
  const refundedById = new Map(refunded.map((p) => [p.id, p]));

  const currencies = new Set([...paidRows.map((p) => p.currency), ...refunded.map((p) => p.currency)]);
  if (!currency && currencies.size > 1)
    return {
      ok: false,
      field: "currency",
      message: t("admin.error.statement.oneCurrency", { currencies: [...currencies].sort().join(" and ") }),
    };

  const payee = (name: string, supporterId: number) => name.trim() || `Supporter ${supporterId}`;
  const method = (m: string) => PAYMENT_METHOD_LABELS[m as PaymentMethod] ?? m;
  const lines: Line[] = [];
  for (const p of paidRows) {
    const realId = p.provider === "stripe" ? `, ${p.providerPaymentId}` : "";
    lines.push({
      at: p.paidAt,
      order: 0,
      cells: [
        xeroDate(p.day, dateOrder),
        decimal(p.amountMinor, p.currency),
        payee(p.name, p.supporterId),
        `${kindInWords(p.kind, p.planName)}, ${method(p.method)}, receipt ${p.receiptNumber}, ${p.campaign}${realId}`,
        p.reference?.trim() || `Receipt ${p.receiptNumber}`,
      ],
    });
  }
  for (const m of movements) {
    const p = refundedById.get(m.paymentId);
    if (!p) continue;
    const whole = m.refundedTotalMinor >= p.amountMinor && m.amountMinor === p.amountMinor;
    lines.push({
      at: m.at,
      order: 1,
      cells: [
        xeroDate(m.day, dateOrder),
        decimal(-m.amountMinor, p.currency),
        payee(p.name, p.supporterId),
        `Refund${whole ? "" : " (part)"} of receipt ${p.receiptNumber}: ${kindInWords(p.kind, p.planName)}, ${method(p.method)}`,
        // Unique and stable: each refund raises the payment's refunded total to a new figure.
        `Receipt ${p.receiptNumber} refunded to ${decimal(m.refundedTotalMinor, p.currency)}`,
      ],
    });
  }
  if (lines.length > maxLines)
    return {
      ok: false,
      field: "to",
      message: t("admin.error.statement.tooManyLines", { max: maxLines.toLocaleString("en") }),
    };
  lines.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  // No byte-order mark: the file is for Xero, which reads UTF-8, and its first heading must be "*Date".
  let csv = csvLine(STATEMENT_HEADER);
  for (const { cells } of lines)
    csv += `${csvCell(cells[0])},${cells[1]},${csvCell(cells[2])},${csvCell(cells[3])},${csvCell(cells[4])}\r\n`;
  return { ok: true, csv, lines: lines.length };
}
