import { and, asc, eq, gte, isNull, lt } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { payments, receipts, supporters, type Currency } from "@db/schema";
import { t } from "~/i18n/t";
import { giftDescriptionForReader } from "~/payments/apply-event.server";
import { formatDate, startOfDayInZone, zonedParts } from "~/dates";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale, type EmailLocale } from "~/email/templates";
import {
  getOrganisationSettings,
  giftsTaxSentence,
  organisationDetails,
  type OrganisationSettings,
} from "~/organisation/settings.server";
import { paymentPurpose, type PaymentPurpose } from "~/payments/labels";
import { supporterDiscretion } from "./discretion.server";

export type FinancialYear = { year: number; start: Date; end: Date; label: string; range: string };

/**
 * Financial year Y ends in calendar year Y: with a July start, FY2026 runs from 1 July 2025 to
 * 30 June 2026; with a January start it is the calendar year. Bounds are midnights in the
 * organisation's time zone; `end` is exclusive.
 */
export function financialYear(
  year: number,
  settings: Pick<OrganisationSettings, "financialYearStartMonth" | "timeZone">,
): FinancialYear {
  const startMonth = settings.financialYearStartMonth;
  const startYear = startMonth === 1 ? year : year - 1;
  const start = startOfDayInZone(startYear, startMonth, 1, settings.timeZone);
  const end = startOfDayInZone(startYear, startMonth + 12, 1, settings.timeZone);
  const lastDay = new Date(end.getTime() - 1);
  return {
    year,
    start,
    end,
    label:
      startMonth === 1
        ? String(year)
        : t("statement.financialYear", { start: String(startYear), end: String(year).slice(-2) }),
    range: `${formatDate(start, settings.timeZone)} – ${formatDate(lastDay, settings.timeZone)}`,
  };
}

/** The financial year an instant falls in. */
export function financialYearOf(
  date: Date,
  settings: Pick<OrganisationSettings, "financialYearStartMonth" | "timeZone">,
): number {
  const { year, month } = zonedParts(date, settings.timeZone);
  return settings.financialYearStartMonth === 1 || month < settings.financialYearStartMonth ? year : year + 1;
}

export type StatementLine = {
  paymentId: number;
  receiptNumber: number;
  paidAt: Date;
  description: string;
  amountMinor: number;
  refundedMinor: number;
  currency: Currency;
  purpose: PaymentPurpose;
};
/** Net of refunds, one per currency paid in. */
export type StatementTotal = { currency: Currency; totalMinor: number };
export type StatementPart = { lines: StatementLine[]; totals: StatementTotal[] };
export type AnnualStatement = {
  period: FinancialYear;
  donorName: string | null;
  /** Null for a supporter without an email address: the statement can be printed, not emailed. */
  email: string | null;
  /** The reader asked for no email about one of their gifts (ADR 051): the statement is not emailed either. */
  emailDeclined: boolean;
  /** Every payment of the year, in date order. */
  payments: StatementLine[];
  /** Donations, which alone may be presented as giving, and supporter subscriptions, which buy an edition. */
  gifts: StatementPart;
  subscriptions: StatementPart;
  /** What the organisation says about tax on gifts; null when it has chosen to say nothing. */
  taxNote: string | null;
};

function totalsOf(lines: StatementLine[]): StatementTotal[] {
  const totals = new Map<Currency, number>();
  for (const line of lines)
    totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.amountMinor - line.refundedMinor);
  return [...totals].map(([currency, totalMinor]) => ({ currency, totalMinor }));
}

function partOf(lines: StatementLine[], purpose: PaymentPurpose): StatementPart {
  const mine = lines.filter((line) => line.purpose === purpose);
  return { lines: mine, totals: totalsOf(mine) };
}

/** One supporter's payments in one financial year, gifts and subscriptions apart; null when the supporter is not there to ask. */
export async function getAnnualStatement(
  db: DB,
  { supporterId, year }: { supporterId: number; year: number },
): Promise<AnnualStatement | null> {
  const [supporter] = await db
    .select({ name: supporters.name, email: supporters.email })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!supporter) return null;
  const settings = await getOrganisationSettings(db);
  const period = financialYear(year, settings);
  const rows = await db
    .select({ payment: payments, snapshot: receipts.snapshot })
    .from(payments)
    .leftJoin(receipts, eq(receipts.paymentId, payments.id))
    .where(
      and(eq(payments.supporterId, supporterId), gte(payments.paidAt, period.start), lt(payments.paidAt, period.end)),
    )
    .orderBy(asc(payments.paidAt), asc(payments.id));
  const lines = rows.map(({ payment, snapshot }) => ({
    paymentId: payment.id,
    receiptNumber: payment.receiptNumber,
    paidAt: payment.paidAt,
    description: snapshot ? giftDescriptionForReader(snapshot) : payment.kind,
    amountMinor: payment.amountMinor,
    refundedMinor: payment.refundedMinor,
    currency: payment.currency,
    // From the ledger's kind, not the snapshot: receipts issued before the distinction have none.
    purpose: paymentPurpose(payment.kind),
  }));
  return {
    period,
    donorName: supporter.name || null,
    email: supporter.email,
    emailDeclined: (await supporterDiscretion(db, supporterId)).noEmail,
    payments: lines,
    gifts: partOf(lines, "gift"),
    subscriptions: partOf(lines, "subscription"),
    taxNote: giftsTaxSentence(settings),
  };
}

/** The years the chooser offers: the current one and every year with a payment. */
export async function listStatementYears(
  db: DB,
  { supporterId, now = new Date() }: { supporterId: number; now?: Date },
): Promise<number[]> {
  const settings = await getOrganisationSettings(db);
  const paid = await db.select({ paidAt: payments.paidAt }).from(payments).where(eq(payments.supporterId, supporterId));
  const years = new Set([financialYearOf(now, settings), ...paid.map((p) => financialYearOf(p.paidAt, settings))]);
  return [...years].sort((a, b) => b - a);
}

export function currentFinancialYear(settings: OrganisationSettings, now = new Date()) {
  return financialYearOf(now, settings);
}

/** What the statement email says about tax (as giftsTaxSentence says it on the page), in the reader's language. */
function emailTaxNote(
  settings: Pick<OrganisationSettings, "orgName" | "giftsTaxDeductible">,
  locale: EmailLocale,
): string | null {
  if (giftsTaxSentence(settings) === null) return null;
  const key =
    settings.giftsTaxDeductible === "deductible" ? "email.statement.taxDeductible" : "email.statement.taxNotDeductible";
  return t(key, { organisation: settings.orgName }, locale);
}

/**
 * Queues the statement email: one per currency, since a total only adds up within one. Asking
 * again the same day for the same figures queues nothing new. Discreet giving (ADR 051): none for
 * a reader who asked for no email about any of their gifts, and a neutral sender and subject if
 * any gift was to a discreet campaign.
 */
export async function emailAnnualStatement(
  db: DB,
  { supporterId, year, now = new Date() }: { supporterId: number; year: number; now?: Date },
): Promise<"queued" | "nothing_to_send" | "no_email" | "email_declined" | "not_found"> {
  return db.transaction(async (tx) => {
    const statement = await getAnnualStatement(tx, { supporterId, year });
    if (!statement) return "not_found";
    if (statement.payments.length === 0) return "nothing_to_send";
    if (statement.email === null) return "no_email";
    if (statement.emailDeclined) return "email_declined";
    const to = statement.email;
    const { discreet } = await supporterDiscretion(tx, supporterId);
    const [reader] = await tx
      .select({ locale: supporters.locale })
      .from(supporters)
      .where(eq(supporters.id, supporterId));
    const locale = emailLocale(reader?.locale);
    const settings = await getOrganisationSettings(tx);
    const organisation = organisationDetails(settings);
    const currencies = [...new Set(statement.payments.map((p) => p.currency))];
    for (const currency of currencies) {
      const lines = statement.payments.filter((p) => p.currency === currency);
      const giftsMinor = statement.gifts.totals.find((total) => total.currency === currency)?.totalMinor ?? 0;
      const subscriptionsMinor =
        statement.subscriptions.totals.find((total) => total.currency === currency)?.totalMinor ?? 0;
      await enqueueEmail(tx, {
        template: "annual-statement",
        to,
        locale,
        discreet,
        idempotencyKey: `annual-statement:${supporterId}:${year}:${currency}:${giftsMinor}:${subscriptionsMinor}:${lines.length}:${now.toISOString().slice(0, 10)}`,
        props: {
          organisation,
          donorName: statement.donorName,
          periodLabel: statement.period.label,
          totalMinor: giftsMinor,
          subscriptionsTotalMinor: subscriptionsMinor,
          taxNote: emailTaxNote(settings, locale),
          currency,
          payments: lines.map((p) => ({
            receiptNumber: p.receiptNumber,
            paidAt: p.paidAt.toISOString(),
            description: p.description,
            amountMinor: p.amountMinor,
            refundedMinor: p.refundedMinor,
            currency: p.currency,
            purpose: p.purpose,
          })),
          // No sign-in link: statements get forwarded to accountants and tax offices.
          manageUrl: null,
        },
      });
    }
    return "queued";
  });
}
