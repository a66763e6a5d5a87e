// Staff search finds people the way staff type them (ADR 038): case, accents,
// apostrophes, hyphens and spaces do not matter; any word of a name or its town; the start of a
// word; one or two letters wrong; Cyrillic typed for Latin and the reverse; a phone in any
// format; email and postcode; best match first. Runs on whatever database the environment gives:
// PGlite without DATABASE_URL, PostgreSQL with it. And the Supporters page with nothing typed.
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type DB } from "@db/client.server";
import { campaigns, subscriptions, supporters, supporterSearchKeys, supporterSearchWords } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { loader as supportersPage } from "~/routes/admin.supporters._index";
import { listSupporters, searchSupporters } from "~/supporters/search.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

/** The people a phone line meets, and a few who look like them (who must not come first). */
const PEOPLE = {
  obrien: {
    name: "Siobhan O'Brien",
    email: "siobhan.obrien@example.net",
    phone: "+61 3 9123 4567",
    addressCity: "Fitzroy",
    addressPostalCode: "3065",
  },
  obrecht: { name: "Brian Obrecht", email: "b.obrecht@example.net", addressCity: "Geelong", addressPostalCode: "3220" },
  fenwick: {
    name: "Harriet Fenwick-Ashdown",
    email: "hfa@example.net",
    addressCity: "Ballarat",
    addressPostalCode: "3350",
  },
  jose: { name: "José Núñez", email: "jnunez@example.net", addressCity: "Marrickville", addressPostalCode: "2204" },
  josephine: {
    name: "Josephine Nunn",
    email: "jo.nunn@example.net",
    addressCity: "Newtown",
    addressPostalCode: "2042",
  },
  mariya: { name: "Мария Иванова", email: "m.ivanova@example.ru", addressCity: "Brunswick", addressPostalCode: "3056" },
  olga: { name: "Olga Ivanova", email: "olga.i@example.net", addressCity: "Coburg", addressPostalCode: "3058" },
  petrov: { name: "Ivan Petrov", email: "ipetrov@example.net", addressCity: "Footscray", addressPostalCode: "3011" },
  quarrington: {
    name: "Wilhelmina Quarrington",
    email: null,
    phone: "0400 555 123",
    addressCity: "Melbourne",
    addressPostalCode: "3000",
  },
  johnson: { name: "Peter Johnson", email: "pj@example.net", addressCity: "Geelong", addressPostalCode: "3220" },
  smithJones: {
    name: "Katherine Smith-Jones",
    email: "ksj@example.net",
    phone: "03 9876 5432",
    addressCity: "Hobart",
    addressPostalCode: "7000",
  },
  darcy: { name: "Ngaio D’Arcy", email: "ngaio@example.net", addressCity: "Launceston", addressPostalCode: "7250" },
  nguyen: { name: "Minh Nguyen", email: "minh@example.net", addressCity: "Footscray", addressPostalCode: "3011" },
} as const;
type Who = keyof typeof PEOPLE;
const ids = {} as Record<Who, number>;

beforeAll(async () => {
  for (const [who, person] of Object.entries(PEOPLE) as [Who, (typeof PEOPLE)[Who]][]) {
    const [row] = await t.db.insert(supporters).values(person).returning({ id: supporters.id });
    ids[who] = row.id;
  }
  // Erased people are never found, however well they match.
  await t.db.insert(supporters).values({
    name: "Siobhan O'Brien",
    email: "erased.obrien@example.net",
    addressCity: "Fitzroy",
    erasedAt: new Date(),
  });
});

/** What `work` finds in a transaction that is then rolled back: the rows it added are gone after. */
async function rolledBack<T>(work: (tx: DB) => Promise<T>): Promise<T> {
  const undo = new Error("rolled back on purpose");
  let found: T | undefined;
  await t.db
    .transaction(async (tx) => {
      found = await work(tx as unknown as DB);
      throw undo;
    })
    .catch((error: unknown) => {
      if (error !== undo) throw error;
    });
  return found as T;
}

const found = async (q: string) => (await searchSupporters(t.db, { q, limit: 25 })).rows.map((r) => r.id);

describe("staff search finds people the way staff type them", () => {
  // [what staff type, who must come first]
  it.each<[string, Who]>([
    // Case, apostrophes, spaces
    ["obrien", "obrien"],
    ["OBRIEN", "obrien"],
    ["O'Brien", "obrien"],
    ["o’brien", "obrien"],
    ["o brien", "obrien"],
    ["Brien", "obrien"],
    ["siobhan obrien", "obrien"],
    ["obrien siobhan", "obrien"],
    ["darcy", "darcy"],
    ["d'arcy", "darcy"],
    // Double-barrelled names: either half, both, joined or not
    ["Fenwick", "fenwick"],
    ["ashdown", "fenwick"],
    ["Fenwick-Ashdown", "fenwick"],
    ["fenwick ashdown", "fenwick"],
    ["fenwickashdown", "fenwick"],
    ["jones", "smithJones"],
    // Accents
    ["jose", "jose"],
    ["José", "jose"],
    ["JOSÉ NÚÑEZ", "jose"],
    ["nunez", "jose"],
    // Cyrillic ↔ Latin
    ["Иванова", "mariya"],
    ["Maria Ivanova", "mariya"],
    ["мария", "mariya"],
    ["Olga Иванова", "olga"],
    ["Петров", "petrov"],
    // A nickname or the start of a name
    ["Kath", "smithJones"],
    ["Wil", "quarrington"],
    ["Harri", "fenwick"],
    // One or two letters wrong
    ["quarington", "quarrington"],
    ["Quarringten", "quarrington"],
    ["jonson", "johnson"],
    ["Smiht", "smithJones"],
    ["Fenwik", "fenwick"],
    ["Jonhson", "johnson"],
    ["Obrein", "obrien"],
    ["Siobhan Obrein", "obrien"],
    ["Nguen", "nguyen"],
    // A misspelt word beside a part of another, typed as it is (ADR 058: the part's words by word)
    ["Obrein Fitz", "obrien"],
    ["Quarington Wil", "quarrington"],
    ["Wilhel Quarington", "quarrington"],
    // Towns
    ["Fitzroy", "obrien"],
    ["marrickville", "jose"],
    ["Ballarat", "fenwick"],
    // Phones in any format
    ["+61 3 9123 4567", "obrien"],
    ["0391234567", "obrien"],
    ["(03) 9123-4567", "obrien"],
    ["9123 4567", "obrien"],
    ["61391234567", "obrien"],
    ["0400555123", "quarrington"],
    ["+61 400 555 123", "quarrington"],
    ["+61398765432", "smithJones"],
    // Email and postcode
    ["siobhan.obrien@example.net", "obrien"],
    ["SIOBHAN.OB", "obrien"],
    ["m.ivanova@", "mariya"],
    ["3065", "obrien"],
    ["3350", "fenwick"],
    ["7000", "smithJones"],
  ])("%s finds %s first", async (q, who) => {
    const rows = await found(q);
    expect(rows[0], `${q}: ${JSON.stringify(rows)}`).toBe(ids[who]);
  });

  it.each<[string, Who[]]>([
    // Both spellings of one name, whichever alphabet is typed
    ["Ivanova", ["mariya", "olga"]],
    ["Иванова", ["mariya", "olga"]],
    ["ivanova", ["mariya", "olga"]],
    // One letter short: both, though "Ivan Petrov" starts alike
    ["Ivanva", ["mariya", "olga"]],
    // A start of a name finds everyone it starts
    ["jos", ["jose", "josephine"]],
  ])("%s finds every one of %j", async (q, who) => {
    expect(await found(q)).toEqual(expect.arrayContaining(who.map((w) => ids[w])));
  });

  it.each<[string, Who, Who]>([
    ["jose", "jose", "josephine"],
    ["brien", "obrien", "obrecht"],
    ["Maria Ivanova", "mariya", "olga"],
    ["Иванова", "mariya", "olga"],
    ["Ivanova", "olga", "mariya"],
    ["Geelong", "johnson", "smithJones"],
  ])("%s ranks %s above %s", async (q, better, worse) => {
    const rows = await found(q);
    expect(rows.indexOf(ids[better]), JSON.stringify(rows)).toBeGreaterThanOrEqual(0);
    if (rows.includes(ids[worse])) expect(rows.indexOf(ids[better])).toBeLessThan(rows.indexOf(ids[worse]));
  });

  it("corrects against the words of live supporters only: a name changed or erased is no correction", async () => {
    const words = async () =>
      (await t.db.select({ word: supporterSearchWords.word }).from(supporterSearchWords)).map((w) => w.word);
    const [row] = await t.db
      .insert(supporters)
      .values({ name: "Zebedee Quillfeather", email: "zq@example.net" })
      .returning({ id: supporters.id });
    expect(await words()).toContain("quillfeather");
    expect(await found("Quilfeather")).toEqual([row.id]);
    await t.db.update(supporters).set({ name: "Zebedee Quillfeathers" }).where(eq(supporters.id, row.id));
    expect(await words()).toEqual(expect.arrayContaining(["quillfeathers", "zebedee"]));
    await t.db.update(supporters).set({ erasedAt: new Date(), name: "" }).where(eq(supporters.id, row.id));
    expect((await words()).filter((w) => w.startsWith("quill") || w === "zebedee")).toEqual([]);
    expect(await found("Quilfeather")).toEqual([]);
  });

  it("looks a misspelt word's corrections up by word, in the index built on the same expression (ADR 058)", async () => {
    // With a few thousand supporters (added, and rolled back, here) and reading the whole table
    // ruled out, the planner chooses the index for a rare word, as it does with a million, if the
    // expression the search uses is the one the index is built on; otherwise it cannot use it.
    const plan = await rolledBack(async (tx) => {
      await tx.execute(
        sql`insert into ${supporters} (name, email) select 'Filler ' || n, 'filler' || n || '@example.net' from generate_series(1, 3000) as n`,
      );
      await tx.execute(sql`analyze ${supporters}`);
      // Reading 3,000 rows whole is still cheap; a million are not.
      await tx.execute(sql`set local enable_seqscan = off`);
      return rowsOf<Record<string, string>>(
        await tx.execute(
          sql`explain select id from ${supporters} where ${supporters.erasedAt} is null and ${supporterSearchKeys.wordList(supporters.searchKey)} && array['quarrington']::text[]`,
        ),
      )
        .map((row) => Object.values(row)[0])
        .join("\n");
    });
    expect(plan).toContain("supporters_search_words_idx");
  });

  it("still finds a fragment that more than 50 words hold, beside a misspelt word (ADR 058)", async () => {
    // 52 words hold "quokk": too many to name, so it is looked for as a part of the key.
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const names = Array.from({ length: 52 }, (_, i) => `Quokka${letters[Math.floor(i / 26)]}${letters[i % 26]} Filler`);
    const result = await rolledBack(async (tx) => {
      await tx.insert(supporters).values(names.map((name, i) => ({ name, email: `quokka${i}@example.net` })));
      const [last] = await tx
        .insert(supporters)
        .values({ name: "Quokkazz Smith", email: "quokkazz@example.net" })
        .returning({ id: supporters.id });
      const rows = (await searchSupporters(tx, { q: "Quokk Smiht", limit: 25 })).rows.map((r) => r.id);
      return { id: last.id, rows };
    });
    expect(result.rows).toEqual([result.id]);
  });

  it("keeps no pending list in its GIN indexes, which every search would scan whole (ADR 058)", async () => {
    const rows = rowsOf<{ name: string; options: string[] | null }>(
      await t.db.execute(
        sql`select relname as name, reloptions as options from pg_class where relname in ('supporters_search_key_idx', 'supporters_search_words_idx') order by relname`,
      ),
    );
    expect(rows).toEqual([
      { name: "supporters_search_key_idx", options: ["fastupdate=false"] },
      { name: "supporters_search_words_idx", options: ["fastupdate=false"] },
    ]);
  });

  it("finds nobody for what nobody is called, and never the erased", async () => {
    expect(await found("zzqxv")).toEqual([]);
    const obriens = await found("Siobhan O'Brien");
    expect(obriens).toEqual([ids.obrien]);
  });
});

describe("the Supporters page with nothing typed", () => {
  let cookie = "";
  const listed: Record<string, number> = {};
  let otherCampaignId = 0;

  beforeAll(async () => {
    await createStaffUser(t.db, {
      email: "list@fund.example",
      name: "List Staff",
      role: "staff",
      password: "a-long-staff-password",
    });
    const signedIn = await signInStaff(t.db, {
      email: "list@fund.example",
      password: "a-long-staff-password",
      clientAddress: "203.0.113.90",
    });
    if (signedIn.status !== "ok") throw new Error("sign-in failed");
    cookie = signedIn.cookie.split(";")[0];

    const [other] = await t.db
      .insert(campaigns)
      .values({
        slug: "list-test-appeal",
        name: "List test appeal",
        headline: "Another appeal",
        currency: "AUD",
        targetMinor: 100_000,
        startsAt: new Date("2026-01-01T00:00:00Z"),
      })
      .returning({ id: campaigns.id });
    otherCampaignId = other.id;
    const print = fixtures.plan("print-year");
    listed.print = (
      await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        kind: "tier_one_time",
        planId: print.id,
        amountMinor: print.amountMinor,
        name: "Listed Print Reader",
      })
    ).supporterId;
    listed.other = (
      await giveGift(t.db, { campaignId: otherCampaignId, amountMinor: 2500, name: "Listed Other Appeal" })
    ).supporterId;
    listed.failing = (
      await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1500, name: "Listed Failing Monthly" })
    ).supporterId;
    listed.paused = (
      await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1500, name: "Listed Paused Monthly" })
    ).supporterId;
    listed.cancelled = (
      await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1500, name: "Listed Cancelled Monthly" })
    ).supporterId;
    // More than a page of people.
    await t.db
      .insert(supporters)
      .values(Array.from({ length: 30 }, (_, i) => ({ name: `Listed Filler ${i}`, email: `filler.${i}@example.net` })));
    const [noEmail] = await t.db
      .insert(supporters)
      .values({ name: "Listed No Email", email: null, phone: "0411 222 333" })
      .returning({ id: supporters.id });
    listed.noEmail = noEmail.id;
    const monthly = (supporterId: number, status: string, extra: Partial<typeof subscriptions.$inferInsert> = {}) =>
      t.db.insert(subscriptions).values({
        supporterId,
        campaignId: fixtures.campaign.id,
        kind: "monthly",
        amountMinor: 1500,
        currency: "AUD",
        status,
        provider: "stripe",
        providerSubscriptionId: `sub_list_${supporterId}_${status}`,
        providerUpdatedAt: new Date(),
        ...extra,
      });
    await monthly(listed.failing, "past_due");
    await monthly(listed.paused, "active", { pausedUntil: new Date(Date.now() + 30 * 86_400_000) });
    await monthly(listed.cancelled, "canceled");
  });

  const list = async (query: Record<string, string>) => {
    const response = await callLoader(supportersPage, `/admin/supporters?${new URLSearchParams(query)}`, { cookie });
    expect(response.status).toBe(200);
    return (await response.json()) as { rows: { id: number }[]; next: string | null };
  };

  it("shows the newest supporters first, a keyset page at a time, without the erased", async () => {
    const first = await list({});
    const all = await t.db.select({ id: supporters.id, erasedAt: supporters.erasedAt }).from(supporters);
    const newest = all
      .filter((s) => !s.erasedAt)
      .map((s) => s.id)
      .sort((a, b) => b - a);
    expect(first.rows.map((r) => r.id)).toEqual(newest.slice(0, 25));
    expect(first.next).not.toBeNull();
    const second = await list({ after: first.next! });
    expect(second.rows.map((r) => r.id)).toEqual(newest.slice(25, 50));
  });

  it.each<[string, Record<string, string>, string[]]>([
    ["payment failing", { failing: "1" }, ["failing"]],
    ["no email", { noEmail: "1" }, ["noEmail"]],
    ["paused", { status: "paused" }, ["paused"]],
    ["cancelled", { status: "cancelled" }, ["cancelled"]],
    ["monthly (live)", { status: "monthly" }, ["failing", "paused"]],
    ["print tier", { tier: "print" }, ["print"]],
  ])("filters by %s", async (_name, query, expected) => {
    const { rows } = await list(query);
    const ours = Object.fromEntries(Object.entries(listed).map(([k, v]) => [v, k]));
    expect(
      rows
        .map((r) => ours[r.id])
        .filter(Boolean)
        .sort(),
    ).toEqual([...expected].sort());
    if (query.noEmail) expect(rows.map((r) => r.id)).not.toContain(ids.obrien);
  });

  it("filters by campaign, and filters narrow a search too", async () => {
    const { rows } = await list({ campaign: String(otherCampaignId) });
    expect(rows.map((r) => r.id)).toEqual([listed.other]);
    expect((await list({ q: "listed", failing: "1" })).rows.map((r) => r.id)).toEqual([listed.failing]);
    expect((await list({ q: "quarrington", noEmail: "1" })).rows.map((r) => r.id)).toEqual([ids.quarrington]);
  });

  it("ignores a filter or position that is not one, rather than failing", async () => {
    const page = await list({ tier: "gold", status: "x", campaign: "abc", after: "not-a-cursor" });
    expect(page.rows.length).toBe(25);
  });

  it("is the same list from the module, for the page and anyone else", async () => {
    const direct = await listSupporters(t.db, { filters: { noEmail: true } });
    expect(direct.rows.map((r) => r.id)).toContain(listed.noEmail);
    const [row] = await t.db
      .select({ email: supporters.email })
      .from(supporters)
      .where(eq(supporters.id, listed.noEmail));
    expect(row.email).toBeNull();
  });
});
