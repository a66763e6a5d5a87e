import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaigns, payments, subscriptions, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { PAYMENT_METHOD_LABELS } from "~/payments/labels";
import {
  csvCell,
  csvStream,
  kindInWords,
  paymentsCsv,
  paymentsHeader,
  printMailingList,
} from "~/reports/exports.server";
import { loader as exportLoader } from "~/routes/admin.exports.$kind[.csv]";
import { loader as exportsPageLoader } from "~/routes/admin.exports._index";
import type { PostalAddress } from "~/payments/events";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";
import { parseCsv } from "../support/csv";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
let staffCookie = "";
let staffId = 0;

async function read(stream: ReadableStream<Uint8Array>) {
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes).slice(1);
}

const address = (postalCode: string, country = "AU"): PostalAddress => ({
  line1: "1 Press Lane",
  city: "Carlton",
  state: "VIC",
  postalCode,
  country,
});
const ON = "2026-05-15"; // the print list as at the start of 15 May in Melbourne: 2026-05-14T14:00Z

beforeAll(async () => {
  staffId = await createStaffUser(t.db, {
    email: "exporter@fund.example",
    name: "Exporter",
    role: "staff",
    password: PASSWORD,
  });
  const result = await signInStaff(t.db, {
    email: "exporter@fund.example",
    password: PASSWORD,
    clientAddress: "198.51.100.7",
  });
  if (result.status !== "ok") throw new Error("sign-in failed");
  staffCookie = result.cookie.split(";")[0];
});

describe("print mailing list", () => {
  const names: Record<string, number> = {};

  beforeAll(async () => {
    const campaignId = fixtures.campaign.id;
    const print = async (
      name: string,
      kind: "tier_monthly" | "tier_one_time",
      paidAt: string,
      addr = address("3000"),
    ) => {
      const plan = fixtures.plan(kind === "tier_monthly" ? "print-monthly" : "print-year");
      const gift = await giveGift(t.db, {
        campaignId,
        name,
        kind,
        planId: plan.id,
        amountMinor: plan.amountMinor,
        paidAt: new Date(paidAt),
        address: addr,
      });
      names[name] = gift.supporterId;
      return gift;
    };
    await print("Zed Monthly", "tier_monthly", "2026-04-01T00:00:00Z");
    await print("Amy Year", "tier_one_time", "2026-01-10T00:00:00Z", address("2000"));
    await print("Bea Same Postcode", "tier_one_time", "2026-05-14T13:00:00Z");
    await print('=HYPERLINK("http://evil.example")', "tier_one_time", "2026-02-01T00:00:00Z", {
      ...address("SW1A 1AA", "GB"),
      line2: 'Flat 2, "The Annexe"',
    });
    // Not on the list: a lapsed year, a year bought after the date, a refunded year, a cancelled
    // monthly tier, a digital tier, and an erased supporter.
    await print("Lapsed Year", "tier_one_time", "2025-05-01T00:00:00Z");
    await print("Future Year", "tier_one_time", "2026-05-14T15:00:00Z");
    const refunded = await print("Refunded Year", "tier_one_time", "2026-03-01T00:00:00Z");
    await t.db
      .update(payments)
      .set({ refundedMinor: refunded.payment.amountMinor })
      .where(eq(payments.id, refunded.payment.id));
    const cancelled = await print("Cancelled Monthly", "tier_monthly", "2026-03-01T00:00:00Z");
    await t.db
      .update(subscriptions)
      .set({ status: "canceled" })
      .where(eq(subscriptions.id, cancelled.payment.subscriptionId!));
    const digital = await giveGift(t.db, {
      campaignId,
      name: "Digital Only",
      kind: "tier_monthly",
      planId: fixtures.plan("digital-monthly").id,
      amountMinor: fixtures.plan("digital-monthly").amountMinor,
    });
    names["Digital Only"] = digital.supporterId;
    const erased = await print("Erased Person", "tier_monthly", "2026-03-01T00:00:00Z");
    await t.db.update(supporters).set({ erasedAt: new Date() }).where(eq(supporters.id, erased.supporterId));
  });

  it("lists exactly the entitled, sorted by country, postcode and name, with formulas defused", async () => {
    const response = await callLoader(exportLoader, `/admin/exports/print-list.csv?on=${ON}`, {
      params: { kind: "print-list" },
      cookie: staffCookie,
    });
    expect(response.status).toBe(200);
    expect(response.body).toBeInstanceOf(ReadableStream);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="print-mailing-list-${ON}.csv"`);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const rows = parseCsv(await read(response.body!));
    expect(rows[0]).toEqual([
      "Supporter id",
      "Name",
      "Address line 1",
      "Address line 2",
      "City",
      "State",
      "Postcode",
      "Country",
    ]);
    expect(rows.slice(1).map((r) => [r[1], r[6], r[7]])).toEqual([
      ["Amy Year", "2000", "AU"],
      ["Bea Same Postcode", "3000", "AU"],
      ["Zed Monthly", "3000", "AU"],
      ['\'=HYPERLINK("http://evil.example")', "SW1A 1AA", "GB"],
    ]);
    expect(rows[4][3]).toBe('Flat 2, "The Annexe"');
    expect(rows[1][0]).toBe(String(names["Amy Year"]));
  });

  it("pages through the table by keyset, never all at once", async () => {
    const on = new Date("2026-05-14T14:00:00Z");
    const batched = parseCsv(await read(printMailingList(t.db, { on, batch: 1 })));
    const whole = parseCsv(await read(printMailingList(t.db, { on })));
    expect(batched).toEqual(whole);
    expect(batched).toHaveLength(5);

    const asked: (number | null)[] = [];
    const stream = csvStream({
      header: ["n"],
      batch: 3,
      fetch: async (after: number | null, limit) => {
        asked.push(after);
        const start = after ?? 0;
        return Array.from({ length: Math.max(0, Math.min(limit, 10 - start)) }, (_, i) => start + i + 1);
      },
      cursor: (n) => n,
      cells: (n) => [n],
    });
    const reader = stream.getReader();
    await reader.read(); // the header
    expect(asked).toEqual([]);
    await reader.read();
    expect(asked).toEqual([null]);
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    expect(parseCsv(rest).flat()).toEqual(["4", "5", "6", "7", "8", "9", "10"]);
    expect(asked).toEqual([null, 3, 6, 9]);
  });
});

describe("payments CSV", () => {
  it("covers whole days in the organisation's time zone and escapes what it must", async () => {
    const campaignId = fixtures.campaign.id;
    const give = (paidAt: string, name: string, amountMinor = 2500) =>
      giveGift(t.db, { campaignId, name, amountMinor, paidAt: new Date(paidAt) });
    const before = await give("2026-06-30T13:59:59Z", "Too Early"); // 11.59 pm on 30 June in Melbourne
    const first = await give("2026-06-30T14:00:00Z", 'Ann "Nan" O\'Neil,\nJunior');
    const formula = await give("2026-07-15T00:00:00Z", "-2+3", 1234);
    await t.db.update(payments).set({ refundedMinor: 234 }).where(eq(payments.id, formula.payment.id));
    const last = await give("2026-07-31T13:59:59Z", "@SUM(A1)");
    const after = await give("2026-07-31T14:00:00Z", "Too Late");

    const response = await callLoader(exportLoader, "/admin/exports/payments.csv?from=2026-07-01&to=2026-07-31", {
      params: { kind: "payments" },
      cookie: staffCookie,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe(
      'attachment; filename="payments-2026-07-01-to-2026-07-31.csv"',
    );
    const text = await read(response.body!);
    expect(text).toContain('"Ann ""Nan"" O\'Neil,\nJunior"');
    const rows = parseCsv(text);
    // Times on the organisation's clock (Melbourne), the zone named in the heading.
    expect(rows[0]).toEqual([
      "Receipt number",
      "Paid at (Australia/Melbourne)",
      "Supporter id",
      "Supporter name",
      "Kind",
      "Method",
      "Amount",
      "Currency",
      "Refunded",
      "Last refund (Australia/Melbourne)",
      "Campaign",
      "Fee cover",
      "Net to campaign",
      "Reference",
      "Provider payment id",
      "Stripe PaymentIntent",
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual([first, formula, last].map((g) => String(g.payment.receiptNumber)));
    expect(rows[1]).toEqual([
      String(first.payment.receiptNumber),
      "2026-07-01 00:00:00",
      String(first.supporterId),
      'Ann "Nan" O\'Neil,\nJunior',
      "Gift",
      "Card (simulated)",
      "25.00",
      "AUD",
      "0.00",
      "",
      fixtures.campaign.name,
      "0.00",
      "25.00",
      "",
      // A simulated payment's ids are made up: left out.
      "",
      "",
    ]);
    // Refunded behind the ledger's back (no observation): the amount, no date.
    expect(rows[2].slice(3, 13)).toEqual([
      "'-2+3",
      "Gift",
      "Card (simulated)",
      "12.34",
      "AUD",
      "2.34",
      "",
      fixtures.campaign.name,
      "0.00",
      "10.00",
    ]);
    expect(rows[3][3]).toBe("'@SUM(A1)");
    expect(text).not.toContain("Too Early");
    expect(text).not.toContain("Too Late");
    expect([before, after]).toHaveLength(2);

    expect(rows[3][1]).toBe("2026-07-31 23:59:59");
    const direct = await read(
      paymentsCsv(t.db, {
        from: new Date("2026-06-30T14:00:00Z"),
        to: new Date("2026-07-31T14:00:00Z"),
        timeZone: "Australia/Melbourne",
        batch: 1,
      }),
    );
    expect(parseCsv(direct)).toEqual(rows);
  });

  it("refuses bad dates, and the page sends good ones on to the file", async () => {
    const bad = await callLoader(exportLoader, "/admin/exports/payments.csv?from=2026-07-31&to=2026-07-01", {
      params: { kind: "payments" },
      cookie: staffCookie,
    });
    expect(bad.status).toBe(400);
    const unknown = await callLoader(exportLoader, "/admin/exports/everything.csv", {
      params: { kind: "everything" },
      cookie: staffCookie,
    });
    expect(unknown.status).toBe(404);

    const page = await callLoader(exportsPageLoader, "/admin/exports?kind=payments&from=2026-02-30&to=2026-03-01", {
      cookie: staffCookie,
    });
    expect(page.status).toBe(200);
    expect((await page.json()).errors).toEqual({ from: "not a real date" });
    const ok = await callLoader(exportsPageLoader, "/admin/exports?kind=print-list&on=2026-05-15", {
      cookie: staffCookie,
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("Location")).toBe("/admin/exports/print-list.csv?on=2026-05-15");
  });

  it("starts its date fields on the organisation's calendar: today, and this month so far", async () => {
    const page = await callLoader(exportsPageLoader, "/admin/exports", { cookie: staffCookie });
    const { defaults, timeZone } = (await page.json()) as {
      defaults: { on: string; from: string; to: string };
      timeZone: string;
    };
    expect(timeZone).toBe("Australia/Melbourne");
    const today = new Intl.DateTimeFormat("sv-SE", { timeZone: "Australia/Melbourne", dateStyle: "short" }).format(
      new Date(),
    );
    // The Xero statement starts on card payments, dates day first as Xero writes them outside the US.
    expect(defaults).toEqual({
      on: today,
      from: `${today.slice(0, 8)}01`,
      to: today,
      account: "card",
      dates: "dmy",
      currency: "",
    });
  });
});

describe("payments CSV, byte for byte", () => {
  // The file as it was first written: a Date per row, a regular expression per cell, csvLine.
  const referenceCell = (value: string | number): string => {
    if (typeof value === "number") return String(value);
    let text = value;
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const NASTY = [
    'He said "hi", then left',
    "line one\nline two\r\nthree\r",
    '=HYPERLINK("http://evil")',
    "+61 400 000 000",
    "-minus",
    "@handle",
    "\tTabbed",
    "\rReturn",
    "",
    '"',
    "Zoë Ñandú 東京 🎉",
    "'already quoted",
    "plain name",
  ];

  it("writes exactly what the first version wrote, through the driver and through drizzle alike", async () => {
    const campaignId = fixtures.campaign.id;
    const times = [
      "2026-08-01T10:00:00.123456Z",
      "2026-08-01T10:00:00.123456Z",
      "2026-08-02T00:00:00Z",
      "2026-08-03T23:59:59.999999Z",
      "2026-08-04T01:02:03.1Z",
      "2026-08-05T01:02:03.000001Z",
    ];
    for (const [i, name] of NASTY.entries()) {
      const gift = await giveGift(t.db, {
        campaignId,
        name: "placeholder",
        amountMinor: [1, 99, 100, 12_345, 123_456_789_012][i % 5],
      });
      await t.db.update(supporters).set({ name }).where(eq(supporters.id, gift.supporterId));
      await t.db
        .update(payments)
        .set({ paidAt: sql`${times[i % times.length]}::timestamptz`, refundedMinor: i % 3 === 0 ? 1 : 0 })
        .where(eq(payments.id, gift.payment.id));
    }
    const from = new Date("2026-08-01T00:00:00Z");
    const to = new Date("2026-09-01T00:00:00Z");
    const names = new Map((await t.db.select().from(campaigns)).map((c) => [c.id, c.name]));
    const rows = await t.db
      .select({ payment: payments, name: supporters.name })
      .from(payments)
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .where(and(gte(payments.paidAt, from), lt(payments.paidAt, to)))
      .orderBy(asc(payments.paidAt), asc(payments.id));
    expect(rows.length).toBeGreaterThanOrEqual(NASTY.length);
    const money = (minor: number) => (minor / 100).toFixed(2);
    const expected = [
      paymentsHeader("UTC"),
      ...rows.map(({ payment: p, name }) => [
        p.receiptNumber,
        p.paidAt.toISOString().slice(0, 19).replace("T", " "),
        p.supporterId,
        name,
        kindInWords(p.kind, null),
        PAYMENT_METHOD_LABELS[p.method],
        money(p.amountMinor),
        p.currency,
        money(p.refundedMinor),
        "",
        names.get(p.campaignId) ?? "",
        money(p.feeCoverMinor),
        money(Math.max(p.amountMinor - p.feeCoverMinor - p.refundedMinor, 0)),
        p.reference ?? "",
        p.provider === "stripe" ? p.providerPaymentId : "",
        p.provider === "stripe" ? (p.stripePaymentIntentId ?? "") : "",
      ]),
    ]
      .map((cells) => cells.map(referenceCell).join(",") + "\r\n")
      .join("");
    expect(expected).toContain("2026-08-01 10:00:00");
    expect(expected).toContain("1234567890.12");

    // On PostgreSQL the export reads rows through postgres.js directly: make sure that path is the one compared.
    const client = (t.db as unknown as { $client?: { unsafe?: unknown; begin?: unknown } }).$client;
    if (process.env.DATABASE_URL)
      expect([typeof client?.unsafe, typeof client?.begin]).toEqual(["function", "function"]);
    for (const viaDriver of [true, false]) {
      for (const batch of [1, 4, 10_000]) {
        expect(
          await read(paymentsCsv(t.db, { from, to, batch, viaDriver })),
          `viaDriver ${viaDriver}, batch ${batch}`,
        ).toBe(expected);
      }
    }
  });

  it("escapes a cell as the regular expressions did", () => {
    for (const text of [...NASTY, "a,b", "-", "=", "\t", "x=1"]) expect(csvCell(text)).toBe(referenceCell(text));
    expect([csvCell(12), csvCell(null), csvCell(undefined), csvCell(true)]).toEqual(["12", "", "", "true"]);
  });
});

describe("supporters CSV and the audit log", () => {
  it("has no payment details, leaves out the erased, and every export is audit-logged before it is read", async () => {
    const response = await callLoader(exportLoader, "/admin/exports/supporters.csv", {
      params: { kind: "supporters" },
      cookie: staffCookie,
    });
    expect(response.status).toBe(200);
    const rows = parseCsv(await read(response.body!));
    expect(rows[0]).not.toEqual(expect.arrayContaining([expect.stringMatching(/card|amount|stripe/i)]));
    expect(rows.some((r) => r[2] === "Erased Person")).toBe(false);
    expect(rows.some((r) => r[2] === "Amy Year")).toBe(true);
    // When each joined, on the organisation's clock, the zone in the heading.
    expect(rows[0]!.at(-1)).toBe("Joined (Australia/Melbourne)");
    const amy = rows.find((r) => r[2] === "Amy Year")!;
    const [joined] = await t.db
      .select({ at: supporters.createdAt })
      .from(supporters)
      .where(eq(supporters.id, Number(amy[0])));
    const melbourne = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "Australia/Melbourne",
      dateStyle: "short",
      timeStyle: "medium",
    }).format(joined!.at);
    expect(amy.at(-1)).toBe(melbourne);

    // Not read at all: the entry is there anyway.
    await callLoader(exportLoader, "/admin/exports/print-list.csv?on=2026-01-01", {
      params: { kind: "print-list" },
      cookie: staffCookie,
    });
    const entries = await t.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.action, ["export.print_list", "export.payments", "export.supporters"]));
    expect(entries.every((e) => e.actorType === "staff" && e.actorId === staffId && e.targetType === "export")).toBe(
      true,
    );
    expect(entries.map((e) => [e.action, e.details])).toEqual(
      expect.arrayContaining([
        ["export.print_list", { on: ON }],
        ["export.print_list", { on: "2026-01-01" }],
        ["export.payments", { from: "2026-07-01", to: "2026-07-31" }],
        ["export.supporters", {}],
      ]),
    );
    // Refused requests write nothing.
    expect(entries.filter((e) => e.action === "export.payments")).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toMatch(/Amy|example\.net/);
  });
});

describe("streaming to a slow client", () => {
  it("fetches no further batch until the client has taken the last one (the server passes its socket's drain)", async () => {
    let fetches = 0;
    let release: (() => void) | null = null;
    let clientBusy = true;
    const ready = () => (clientBusy ? new Promise<void>((resolve) => (release = resolve)) : undefined);
    const stream = csvStream({
      header: ["n"],
      batch: 2,
      fetch: async (after: number | null) => {
        fetches += 1;
        const start = after ?? 0;
        return start >= 10 ? [] : [start + 1, start + 2];
      },
      cursor: (row: number) => row,
      cells: (row: number) => [row],
      ready,
    });
    const reader = stream.getReader();
    await reader.read(); // the header
    const waiting = reader.read();
    // However long the client is busy, nothing more is read from the database meanwhile.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(fetches).toBe(0);
    clientBusy = false;
    release!();
    const chunks = [new TextDecoder().decode((await waiting).value)];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      chunks.push(new TextDecoder().decode(chunk.value));
    expect(chunks.join("").trim().split("\r\n").map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
