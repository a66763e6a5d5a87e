import { and, asc, eq, gt, gte, inArray, isNull, lt, lte, sql, type AnyColumn } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";
import { rowsOf, type DB } from "@db/client.server";
import {
  campaigns,
  payments,
  plans,
  refundObservations,
  subscriptions,
  supporters,
  type PaymentMethod,
} from "@db/schema";
import { z } from "zod";
import { recordAudit } from "~/audit/audit.server";
import { safeTimeZone, startOfDayTextInZone } from "~/dates";
import { lazyMessage } from "~/i18n/t";
import { currencyExponent } from "~/money";
import { PAYMENT_METHOD_LABELS } from "~/payments/labels";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { ENTITLING_STATUSES } from "~/supporters/entitlements.server";
import { statementCsv } from "./statement.server";

/** Rows fetched per query: memory stays constant however large the table (a batch is a few MB). */
export const EXPORT_BATCH = 2_500;

type Cell = string | number | boolean | null | undefined;

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula (= + - @, or a
 * leading tab / carriage return) is prefixed with a single quote; numbers are ours, not input.
 */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  let text = value;
  // = + - @, tab, carriage return: a character-code test, as it runs on every cell of millions of rows.
  const first = text.charCodeAt(0);
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const NEEDS_QUOTES = /[",\r\n]/;

export function csvLine(cells: Cell[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

/**
 * A CSV as a pull stream: each read fetches the next keyset batch after the last row seen,
 * so the whole table is never held in memory. Nothing is queried until the body is read. The
 * first batch is fetched when asked for (a small file starts at once); from the second on, the
 * batch after it is fetched while it is being sent, so the database and the formatting overlap
 * (at most two batches in memory).
 */
export function csvStream<Row, Cursor>(options: {
  header: string[];
  fetch: (after: Cursor | null, limit: number) => Promise<Row[]>;
  cursor: (row: Row) => Cursor;
  /** A row's cells; or `line`, the whole CSV line (CRLF included) when a caller writes it faster. */
  cells?: (row: Row) => Cell[];
  line?: (row: Row) => string;
  batch?: number;
  /**
   * Resolves when the client can take more (the server's socket drained). Remix's Node adapter
   * writes whatever the stream yields without waiting, so without this a slow client would make
   * the whole file pile up in memory.
   */
  ready?: () => Promise<void> | void;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const limit = options.batch ?? EXPORT_BATCH;
  const cells = options.cells;
  const line = options.line ?? ((row: Row) => csvLine(cells!(row)));
  let after: Cursor | null = null;
  let started = false;
  let done = false;
  let batches = 0;
  let next: Promise<Row[]> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          // A byte-order mark, so spreadsheet programs read the file as UTF-8.
          controller.enqueue(encoder.encode("\uFEFF" + csvLine(options.header)));
          return;
        }
        if (done) return;
        await options.ready?.();
        const rows = await (next ?? options.fetch(after, limit));
        next = null;
        batches += 1;
        const lastRow = rows.at(-1);
        if (lastRow !== undefined) after = options.cursor(lastRow);
        if (rows.length < limit) {
          done = true;
        } else if (batches > 1) {
          next = options.fetch(after, limit);
          // Its failure surfaces at the next read, not as an unhandled rejection meanwhile.
          next.catch(() => {});
        }
        if (rows.length > 0) {
          let text = "";
          for (const row of rows) text += line(row);
          controller.enqueue(encoder.encode(text));
        }
        if (done) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

// Asking Intl for a currency's exponent costs more than writing a whole row: once per currency.
const exponents = new Map<string, number>();

function decimal(amountMinor: number, currency: string): string {
  let exponent = exponents.get(currency);
  if (exponent === undefined) exponents.set(currency, (exponent = currencyExponent(currency)));
  return exponent === 0 ? String(amountMinor) : (amountMinor / 10 ** exponent).toFixed(exponent);
}

// ---------------------------------------------------------------------------------------------
// Print mailing list

type PrintCursor = {
  country: string;
  postcode: string;
  name: string;
  id: number;
  line1: string;
  line2: string;
  city: string;
  state: string;
};

/**
 * Who has a print entitlement on `on`, and where that entitlement's editions go: a live print
 * tier subscription, or an unrefunded print year covering that day, each with the address given
 * at its checkout (null: the supporter's own). Found from the subscriptions and payments side
 * (tens of thousands) rather than by checking each of a million supporters.
 */
export function printEntitledSupporters(db: DB, on: Date) {
  const printPlans = db.select({ id: plans.id }).from(plans).where(eq(plans.tier, "print"));
  const monthly = db
    .select({ supporterId: subscriptions.supporterId, deliveryAddress: subscriptions.deliveryAddress })
    .from(subscriptions)
    .where(
      and(
        inArray(subscriptions.planId, printPlans),
        eq(subscriptions.kind, "tier_monthly"),
        inArray(subscriptions.status, [...ENTITLING_STATUSES]),
      ),
    );
  const years = db
    .select({ supporterId: payments.supporterId, deliveryAddress: payments.deliveryAddress })
    .from(payments)
    .where(
      and(
        eq(payments.kind, "tier_one_time"),
        gt(payments.coversUntil, on),
        lte(payments.paidAt, on),
        inArray(payments.planId, printPlans),
        lt(payments.refundedMinor, sql`${payments.amountMinor}`),
      ),
    );
  return union(monthly, years);
}

export const PRINT_HEADER = [
  "Supporter id",
  "Name",
  "Address line 1",
  "Address line 2",
  "City",
  "State",
  "Postcode",
  "Country",
];

/**
 * A print list is tens of thousands of people at most (a few MB): one or two batches, since each
 * batch looks every listed supporter up again to sort them.
 */
const PRINT_BATCH = 50_000;

type PrintRow = {
  id: number;
  name: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
};

/**
 * One line per address an edition goes to: each entitlement's own delivery address, or the
 * supporter's profile address when its checkout gave none (ADR 027). A supporter whose
 * entitlements all go to one address is listed once.
 */
export function printMailingList(
  db: DB,
  { on, batch, ready }: { on: Date; batch?: number; ready?: () => Promise<void> | void },
) {
  // Who is on the list and where, found once per export (a few hundred KB for a national campaign).
  let entitled: string | null = null;
  return csvStream({
    header: PRINT_HEADER,
    batch: batch ?? PRINT_BATCH,
    ready,
    fetch: async (after: PrintCursor | null, limit) => {
      if (entitled === null) {
        const rows = await printEntitledSupporters(db, on);
        entitled = JSON.stringify(rows.map((r) => ({ supporter_id: r.supporterId, delivery: r.deliveryAddress })));
      }
      if (entitled === "[]") return [];
      // One jsonb parameter, however long the list; each supporter looked up by primary key.
      const d = (key: string) => sql.raw(`(e.delivery ->> '${key}')`);
      const pick = (key: string, column: AnyColumn) =>
        sql`coalesce(case when e.delivery is null then ${column} else ${d(key)} end, '')`;
      const listed = sql`select distinct
          ${supporters.id} as id,
          coalesce(case when e.delivery is null then ${supporters.name} else coalesce(nullif(${d("name")}, ''), ${supporters.name}) end, '') as name,
          ${pick("line1", supporters.addressLine1)} as line1,
          ${pick("line2", supporters.addressLine2)} as line2,
          ${pick("city", supporters.addressCity)} as city,
          ${pick("state", supporters.addressState)} as state,
          ${pick("postalCode", supporters.addressPostalCode)} as postcode,
          ${pick("country", supporters.addressCountry)} as country
        from jsonb_to_recordset(${entitled}::jsonb) as e(supporter_id int, delivery jsonb)
        join ${supporters} on ${supporters.id} = e.supporter_id and ${supporters.erasedAt} is null`;
      const key = sql`(country, postcode, name, id, line1, line2, city, state)`;
      const result = await db.execute(sql`select * from (${listed}) as listed
        ${after ? sql`where ${key} > (${after.country}, ${after.postcode}, ${after.name}, ${after.id}, ${after.line1}, ${after.line2}, ${after.city}, ${after.state})` : sql``}
        order by country, postcode, name, id, line1, line2, city, state
        limit ${limit}`);
      return rowsOf<PrintRow>(result);
    },
    cursor: (r) => ({
      country: r.country,
      postcode: r.postcode,
      name: r.name,
      id: r.id,
      line1: r.line1,
      line2: r.line2,
      city: r.city,
      state: r.state,
    }),
    cells: (r) => [
      r.id,
      r.name,
      r.line1 || null,
      r.line2 || null,
      r.city || null,
      r.state || null,
      r.postcode,
      r.country,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Payments for the accountant

/**
 * The accountant's columns: times on the organisation's clock (the zone named in the heading),
 * kinds and methods in words, gross and what of it covered card fees, net to the campaign
 * (gross less fee cover and refunds, as the campaign total counts it), the cheque or bank
 * reference, and the provider's ids to reconcile against its reports.
 */
export const paymentsHeader = (timeZone: string) => [
  "Receipt number",
  `Paid at (${timeZone})`,
  "Supporter id",
  "Supporter name",
  "Kind",
  "Method",
  "Amount",
  "Currency",
  "Refunded",
  `Last refund (${timeZone})`,
  "Campaign",
  "Fee cover",
  "Net to campaign",
  "Reference",
  "Provider payment id",
  "Stripe PaymentIntent",
];

/** A payment's kind as the accountant reads it: a gift is a donation; a tier buys an edition. */
export function kindInWords(kind: string, planName: string | null): string {
  switch (kind) {
    case "one_off":
      return "Gift";
    case "monthly":
      return "Monthly gift";
    case "tier_monthly":
      return `${planName ?? "Supporter"}, monthly`;
    case "tier_one_time":
      return `${planName ?? "Supporter"}, 12 months`;
    default:
      return kind;
  }
}

type PaymentCursor = { paidAt: string; id: number };

/**
 * paid_at in UTC as PostgreSQL writes a timestamp ("2026-07-15 00:00:00.123456", the fraction
 * trimmed of trailing zeros, none if whole): exact to the microsecond, as the keyset needs it, and
 * far cheaper for the database than to_char (which cost more than the rest of the row).
 */
const paidAtUtc = sql<string>`(${payments.paidAt} at time zone 'UTC')::text`;

/**
 * One payment as the file needs it, in column order: id, paidAt (UTC, as text: the keyset),
 * receiptNumber, supporterId, name, kind, method, amountMinor, refundedMinor, currency,
 * campaignId, paidAt on the organisation's wall clock (as text), feeCoverMinor, planId, reference,
 * providerPaymentId, stripePaymentIntentId, provider, and the last refund on the wall clock (as
 * text; null unless refunded). postgres.js hands bigint
 * amounts over as text, hence `number | string`.
 */
type PaymentRow = [
  number,
  string,
  number,
  number,
  string,
  string,
  string,
  number | string,
  number | string,
  string,
  number,
  string,
  number | string,
  number | null,
  string | null,
  string,
  string | null,
  string,
  string | null,
];

/** "2026-07-15 10:00:00.1234" → "2026-07-15 10:00:00": the wall-clock time to the second. */
const wallClock = (text: string) => text.slice(0, 19);

/** postgres.js, reached past drizzle: rows as arrays, without mapping each one to an object. */
type PostgresJs = { unsafe: (query: string, params: unknown[]) => { values: () => Promise<unknown[][]> } };
function postgresJsOf(db: DB): PostgresJs | null {
  const client = (db as unknown as { $client?: Partial<PostgresJs> & { begin?: unknown } }).$client;
  return client && typeof client.unsafe === "function" && typeof client.begin === "function"
    ? (client as PostgresJs)
    : null;
}

/**
 * Rows per query for the payments file (about 500 KB of CSV; two batches are held at most). Each
 * batch is planned afresh, so fewer rows per batch cost the database more; 10,000 held more
 * memory and was no faster (the driver reads nothing while a batch is being written out).
 */
export const PAYMENTS_BATCH = 5_000;

/**
 * Payments with `from <= paid_at < to`, in the order they were made (ties by id).
 *
 * A full export is millions of rows, and the Node process is the bottleneck: on postgres.js the
 * rows arrive as arrays straight from the driver (drizzle's per-row mapping to objects cost more
 * than writing the CSV), and each line is written by concatenation. PGlite (and `viaDriver: false`,
 * which the tests use to compare both) go through drizzle; both give the same bytes.
 */
export function paymentsCsv(
  db: DB,
  {
    from,
    to,
    timeZone = "UTC",
    batch,
    ready,
    viaDriver = true,
  }: {
    from: Date;
    to: Date;
    timeZone?: string;
    batch?: number;
    ready?: () => Promise<void> | void;
    viaDriver?: boolean;
  },
) {
  const zone = safeTimeZone(timeZone);
  const paidAtLocal = sql<string>`(${payments.paidAt} at time zone ${zone})::text`;
  // When the last refund was made (ADR 046): looked up only for the few payments refunded.
  const lastRefundLocal = sql<string | null>`case when ${payments.refundedMinor} > 0 then
    (select (max(o.observed_at) at time zone ${zone})::text from ${refundObservations} o where o.payment_id = ${payments.id}) end`;
  // A handful of campaigns: named (and escaped) from memory rather than joined on every row.
  let campaignCells: Map<number, string> | null = null;
  let planNames: Map<number, string> | null = null;
  const driver = viaDriver ? postgresJsOf(db) : null;
  return csvStream({
    header: paymentsHeader(zone),
    batch: batch ?? PAYMENTS_BATCH,
    ready,
    fetch: async (after: PaymentCursor | null, limit): Promise<PaymentRow[]> => {
      campaignCells ??= new Map(
        (await db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns)).map((c) => [
          c.id,
          csvCell(c.name),
        ]),
      );
      planNames ??= new Map(
        (await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.id, p.name]),
      );
      const query = db
        .select({
          id: payments.id,
          paidAt: paidAtUtc,
          receiptNumber: payments.receiptNumber,
          supporterId: payments.supporterId,
          name: supporters.name,
          kind: payments.kind,
          method: payments.method,
          amountMinor: payments.amountMinor,
          refundedMinor: payments.refundedMinor,
          currency: payments.currency,
          campaignId: payments.campaignId,
          paidAtLocal,
          feeCoverMinor: payments.feeCoverMinor,
          planId: payments.planId,
          reference: payments.reference,
          providerPaymentId: payments.providerPaymentId,
          stripePaymentIntentId: payments.stripePaymentIntentId,
          provider: payments.provider,
          lastRefundLocal,
        })
        .from(payments)
        .innerJoin(supporters, eq(supporters.id, payments.supporterId))
        .where(
          and(
            gte(payments.paidAt, from),
            lt(payments.paidAt, to),
            after === null
              ? undefined
              : sql`(${payments.paidAt}, ${payments.id}) > (${after.paidAt}::timestamp at time zone 'UTC', ${after.id})`,
          ),
        )
        .orderBy(asc(payments.paidAt), asc(payments.id))
        .limit(limit);
      if (driver) {
        // The same statement and parameters drizzle would send; the columns come back in select order.
        const { sql: text, params } = query.toSQL();
        return (await driver.unsafe(text, params).values()) as PaymentRow[];
      }
      return (await query).map((r) => [
        r.id,
        r.paidAt,
        r.receiptNumber,
        r.supporterId,
        r.name,
        r.kind,
        r.method,
        r.amountMinor,
        r.refundedMinor,
        r.currency,
        r.campaignId,
        r.paidAtLocal,
        r.feeCoverMinor,
        r.planId,
        r.reference,
        r.providerPaymentId,
        r.stripePaymentIntentId,
        r.provider,
        r.lastRefundLocal,
      ]);
    },
    cursor: (r) => ({ paidAt: r[1], id: r[0] }),
    // What csvLine writes for these cells: the numbers need no escaping, every text cell gets it.
    line: (r) => {
      const amount = Number(r[7]);
      const refunded = Number(r[8]);
      const feeCover = Number(r[12]);
      const planName = r[13] === null ? null : (planNames?.get(r[13]) ?? null);
      // Simulated payments have made-up ids: only a real provider's ids help a reconciliation.
      const real = r[17] === "stripe";
      return `${r[2]},${csvCell(wallClock(r[11]))},${r[3]},${csvCell(r[4])},${csvCell(kindInWords(r[5], planName))},${csvCell(PAYMENT_METHOD_LABELS[r[6] as PaymentMethod] ?? r[6])},${csvCell(decimal(amount, r[9]))},${csvCell(r[9])},${csvCell(decimal(refunded, r[9]))},${r[18] === null ? "" : csvCell(wallClock(r[18]))},${campaignCells?.get(r[10]) ?? ""},${csvCell(decimal(feeCover, r[9]))},${csvCell(decimal(Math.max(amount - feeCover - refunded, 0), r[9]))},${csvCell(r[14] ?? "")},${real ? csvCell(r[15]) : ""},${real ? csvCell(r[16] ?? "") : ""}\r\n`;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Supporters, without payment details

export const supportersHeader = (timeZone: string) => [
  "Supporter id",
  "Email",
  "Name",
  "Phone",
  "Address line 1",
  "Address line 2",
  "City",
  "State",
  "Postcode",
  "Country",
  "Anonymous",
  `Joined (${timeZone})`,
];

/** Every supporter not erased: contact details only, no card or payment data. */
export function supportersCsv(
  db: DB,
  { timeZone = "UTC", batch, ready }: { timeZone?: string; batch?: number; ready?: () => Promise<void> | void } = {},
) {
  const zone = safeTimeZone(timeZone);
  return csvStream({
    header: supportersHeader(zone),
    batch,
    ready,
    fetch: (after: number | null, limit) =>
      db
        .select({
          id: supporters.id,
          email: supporters.email,
          name: supporters.name,
          phone: supporters.phone,
          line1: supporters.addressLine1,
          line2: supporters.addressLine2,
          city: supporters.addressCity,
          state: supporters.addressState,
          postcode: supporters.addressPostalCode,
          country: supporters.addressCountry,
          anonymous: supporters.anonymous,
          joined: sql<string>`(${supporters.createdAt} at time zone ${zone})::text`,
        })
        .from(supporters)
        .where(and(isNull(supporters.erasedAt), after === null ? undefined : gt(supporters.id, after)))
        .orderBy(asc(supporters.id))
        .limit(limit),
    cursor: (r) => r.id,
    cells: (r) => [
      r.id,
      r.email,
      r.name,
      r.phone,
      r.line1,
      r.line2,
      r.city,
      r.state,
      r.postcode,
      r.country,
      r.anonymous ? "yes" : "no",
      wallClock(r.joined),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// The three exports as the admin pages ask for them

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, lazyMessage("admin.error.export.dateRequired"))
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    lazyMessage("admin.error.export.notARealDate"),
  );

export const ExportQuerySchemas = {
  "print-list": z.object({ on: Day }),
  payments: z
    .object({ from: Day, to: Day })
    .refine((q) => q.from <= q.to, { ...lazyMessage("admin.error.export.endBeforeStart"), path: ["to"] }),
  supporters: z.object({}),
  // Xero's CSV statement import (ADR 046): one clearing account's money movements.
  statement: z
    .object({
      from: Day,
      to: Day,
      account: z.enum(["card", "offline"], lazyMessage("admin.error.export.chooseAccount")),
      dates: z.enum(["dmy", "mdy"], lazyMessage("admin.error.export.chooseDateOrder")).default("dmy"),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, lazyMessage("admin.error.export.chooseCurrency"))
        .optional()
        .or(z.literal("").transform(() => undefined)),
    })
    .refine((q) => q.from <= q.to, { ...lazyMessage("admin.error.export.endBeforeStart"), path: ["to"] }),
} as const;
export type ExportKind = keyof typeof ExportQuerySchemas;
export const EXPORT_KINDS = Object.keys(ExportQuerySchemas) as ExportKind[];

type StatementQuery = z.infer<(typeof ExportQuerySchemas)["statement"]>;

/** The Xero statement for a valid request; the exports page asks it too, to show a refusal at its field. */
export function statementFor(db: DB, q: StatementQuery, timeZone: string) {
  return statementCsv(db, {
    from: dayStart(q.from, timeZone),
    to: dayStart(q.to, timeZone, 1),
    account: q.account,
    dateOrder: q.dates,
    currency: q.currency,
    timeZone,
  });
}

function dayStart(day: string, timeZone: string, plusDays = 0): Date {
  return startOfDayTextInZone(day, timeZone, plusDays);
}

/**
 * Validates an export request and writes its audit entry before any row is read. Dates are days
 * in the organisation's time zone: the print list as at the start of `on`, payments from the
 * start of `from` to the end of `to`.
 */
export async function startExport(
  db: DB,
  {
    kind,
    query,
    staffUserId,
    ready,
  }: { kind: ExportKind; query: Record<string, string>; staffUserId: number; ready?: () => Promise<void> | void },
): Promise<
  | { ok: true; filename: string; body: ReadableStream<Uint8Array> | string }
  | { ok: false; error: "invalid"; errors: Record<string, string> }
> {
  const parsed = ExportQuerySchemas[kind].safeParse(query);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
    return { ok: false, error: "invalid", errors };
  }
  const timeZone = safeTimeZone((await getOrganisationSettings(db)).timeZone);
  const audit = (action: string, details: Record<string, unknown>) =>
    recordAudit(db, {
      actor: { type: "staff", id: staffUserId },
      action,
      target: { type: "export", id: null },
      details,
    });
  if (kind === "print-list") {
    const { on } = parsed.data as { on: string };
    await audit("export.print_list", { on });
    return {
      ok: true,
      filename: `print-mailing-list-${on}.csv`,
      body: printMailingList(db, { on: dayStart(on, timeZone), ready }),
    };
  }
  if (kind === "payments") {
    const { from, to } = parsed.data as { from: string; to: string };
    await audit("export.payments", { from, to });
    return {
      ok: true,
      filename: `payments-${from}-to-${to}.csv`,
      body: paymentsCsv(db, { from: dayStart(from, timeZone), to: dayStart(to, timeZone, 1), timeZone, ready }),
    };
  }
  if (kind === "statement") {
    const q = parsed.data as StatementQuery;
    const statement = await statementFor(db, q, timeZone);
    if (!statement.ok) return { ok: false, error: "invalid", errors: { [statement.field]: statement.message } };
    await audit("export.statement", { from: q.from, to: q.to, account: q.account, lines: statement.lines });
    return {
      ok: true,
      filename: `xero-statement-${q.account}-${q.from}-to-${q.to}.csv`,
      body: statement.csv,
    };
  }
  await audit("export.supporters", {});
  return {
    ok: true,
    filename: `supporters-${new Date().toISOString().slice(0, 10)}.csv`,
    body: supportersCsv(db, { timeZone, ready }),
  };
}

/** The currencies the campaigns take, for the statement's currency choice. */
export async function campaignCurrencies(db: DB): Promise<string[]> {
  const rows = await db.selectDistinct({ currency: campaigns.currency }).from(campaigns);
  return rows.map((c) => c.currency).sort();
}
