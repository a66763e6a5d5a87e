import { and, desc, eq, exists, gt, inArray, isNull, lt, notExists, or, sql, type SQL } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";
import { rowsOf, type DB } from "@db/client.server";
import { keyset, pageOf } from "@db/keyset.server";
import { one } from "@db/rows";
import {
  payments,
  plans,
  subscriptions,
  supporters,
  supporterSearchKeys,
  supporterSearchWords,
  TIERS,
  type Tier,
} from "@db/schema";
import { ENTITLING_STATUSES } from "./entitlements.server";
import { FILTER_TIERS, type FilterTier, type SupporterStatus } from "./supporter-filters";

/**
 * Staff search (ADR 038): people found the way staff type them, best matches first, with
 * PostgreSQL's own matching (pg_trgm, unaccent) over a stored, trigram-indexed search key.
 *
 * - Names and towns: any part of any word, whatever the case, accents, apostrophes, hyphens or
 *   alphabet ("obrien", "Brien", "jose", "Иванова" ↔ "Ivanova"); when that finds nobody, each word
 *   corrected to the known words one or two letters away ("Quarington", "Smiht", "Talyor").
 * - Email and postcode: from their start; phone: its digits from the start or the end, however
 *   spaced, with or without the country code ("+61 3 9123 4567" finds "03 9123 4567").
 * - Ranked: an exact email, phone or postcode first, then a whole word, a word's start, a part,
 *   a corrected misspelling; within each, the closer the whole name, then the newest.
 *
 * Each kind of match first takes a bounded number of candidates from its own index, so a common
 * term ("mar" among a million) costs the same as a rare one: the ranking is then among those.
 */

export type SupporterSearchRow = {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  postalCode: string | null;
  city: string | null;
};

/** What the Supporters page narrows its list (or its matches) to. Every field is optional. */
export type SupporterFilters = {
  /** Receives this tier now (a live monthly tier or an unexpired, unrefunded year). */
  tier?: FilterTier;
  /** monthly: a live monthly gift or tier; paused: one paused; cancelled: had one, none live; one_off: never had one. */
  status?: SupporterStatus;
  /** A monthly payment has failed and Stripe is retrying (past due). */
  failing?: boolean;
  /** No email address: printed receipts, phone only. */
  noEmail?: boolean;
  /** Has given to (or gives monthly to) this campaign. */
  campaignId?: number;
};

/** Candidates each kind of match may bring to the ranking. */
const CANDIDATES = 100;
/** A term shorter than this (in letters and digits) has no trigram: it is matched from the start of words instead. */
const TRIGRAM = 3;
/** How alike (pg_trgm similarity, 0–1) a dictionary word must be to be a candidate correction: loose, Levenshtein decides. */
const CORRECTION_CANDIDATES = 0.15;
/** Corrections looked for per misspelt word. */
const CORRECTIONS = 5;
/**
 * A word being corrected is also looked for as typed, as a part of words. Up to this many
 * dictionary words holding it, they are looked up by word with its corrections (ADR 058); more,
 * and it is looked for as a part of the search key, as the first search does.
 */
const HOLDING_WORDS = 50;
/** Words of a term looked for apart (more are ignored: nobody types a name of nine words). */
const MAX_PIECES = 8;

/** A position in ranked matches: the rank, then the id. In the list with nothing typed: the id. */
const byRankAndId = keyset(["integer", "integer"]);
const byId = keyset(["integer"]);

export type SupporterSearchPage = { rows: SupporterSearchRow[]; next: string | null };

// The filter's tiers are the schema's (a compile-time check both ways).
export const FILTER_TIERS_ARE_TIERS: [readonly Tier[], readonly FilterTier[]] = [FILTER_TIERS, TIERS];

const columns = {
  id: supporters.id,
  name: supporters.name,
  email: supporters.email,
  phone: supporters.phone,
  postalCode: supporters.addressPostalCode,
  city: supporters.addressCity,
};

/** The conditions of the filters, on a supporter row (each an indexed probe by supporter). */
function filterConditions(filters: SupporterFilters, now = new Date()): SQL[] {
  const of = eq(subscriptions.supporterId, supporters.id);
  const live = inArray(subscriptions.status, [...ENTITLING_STATUSES]);
  const subscription = (where: SQL | undefined) =>
    exists(sql`(select 1 from ${subscriptions} where ${and(of, where)})`);
  const conditions: SQL[] = [];
  if (filters.noEmail) conditions.push(isNull(supporters.email));
  if (filters.failing) conditions.push(subscription(eq(subscriptions.status, "past_due")));
  const paused = and(live, gt(subscriptions.pausedUntil, now));
  if (filters.status === "monthly") conditions.push(subscription(live));
  if (filters.status === "paused") conditions.push(subscription(paused));
  if (filters.status === "cancelled")
    conditions.push(
      and(subscription(undefined), notExists(sql`(select 1 from ${subscriptions} where ${and(of, live)})`))!,
    );
  if (filters.status === "one_off") conditions.push(notExists(sql`(select 1 from ${subscriptions} where ${of})`));
  if (filters.tier) {
    const tierPlan = sql`(select ${plans.id} from ${plans} where ${plans.tier} = ${filters.tier})`;
    conditions.push(
      or(
        subscription(and(eq(subscriptions.kind, "tier_monthly"), live, sql`${subscriptions.planId} in ${tierPlan}`)),
        exists(
          sql`(select 1 from ${payments} where ${and(
            eq(payments.supporterId, supporters.id),
            eq(payments.kind, "tier_one_time"),
            gt(payments.coversUntil, now),
            lt(payments.refundedMinor, sql`${payments.amountMinor}`),
            sql`${payments.planId} in ${tierPlan}`,
          )})`,
        ),
      )!,
    );
  }
  if (filters.campaignId) {
    conditions.push(
      or(
        exists(
          sql`(select 1 from ${payments} where ${and(eq(payments.supporterId, supporters.id), eq(payments.campaignId, filters.campaignId))})`,
        ),
        subscription(eq(subscriptions.campaignId, filters.campaignId)),
      )!,
    );
  }
  return conditions;
}

/**
 * The Supporters page with nothing typed: everyone (not erased) the filters allow, newest first,
 * a keyset page at a time (`after` is the last id of the page before).
 */
export async function listSupporters(
  db: DB,
  { filters = {}, after, limit = 25 }: { filters?: SupporterFilters; after?: string; limit?: number },
): Promise<SupporterSearchPage> {
  const before = byId.parse(after);
  const rows = await db
    .select(columns)
    .from(supporters)
    .where(
      and(
        isNull(supporters.erasedAt),
        before ? byId.compare([supporters.id], "<", before) : undefined,
        ...filterConditions(filters),
      ),
    )
    .orderBy(desc(supporters.id))
    .limit(limit + 1);
  return pageOf(rows, limit, (row) => byId.encode([row.id]));
}

/** Letters and digits of a typed piece, roughly as the database folds them (only to choose how to match). */
const significant = (text: string) => text.normalize("NFKD").replace(/[^\p{L}\p{N}]/gu, "");

/**
 * Staff search: see the top of this file. `after` is the `next` of the page before. With nothing
 * typed, the newest supporters (listSupporters). Erased supporters are never found.
 */
export async function searchSupporters(
  db: DB,
  {
    q,
    after,
    limit = 25,
    filters = {},
  }: { q: string; after?: string | number; limit?: number; filters?: SupporterFilters },
): Promise<SupporterSearchPage> {
  const term = q.trim().slice(0, 200);
  if (!term) return listSupporters(db, { filters, after: after === undefined ? undefined : String(after), limit });
  const cursor = typeof after === "string" ? byRankAndId.parse(after) : undefined;

  const keys = supporterSearchKeys;
  const key = supporters.searchKey;
  const lowered = sql`lower(${term})`;
  /** The key holds `part` anywhere (pg_trgm's LIKE, answered by the trigram index). */
  const holdsPart = (part: string) => sql`${key} like ${`%${part}%`}`;
  // The term as the search key holds words ("O'Brien" → "o brien"), and each piece typed apart,
  // folded by the database (one round trip), so that every statement below compares plain values.
  const typed = term
    .split(/\s+/)
    .filter((piece) => significant(piece).length > 0)
    .slice(0, MAX_PIECES);
  const folded = one(
    rowsOf<Record<string, string | null>>(
      await db.execute(
        sql`select ${sql.join([sql`${keys.words(term)} as words`, ...typed.map((piece, i) => sql`${keys.words(piece)} as ${sql.identifier(`p${i}`)}`)], sql`, `)}`,
      ),
    ),
    "fold the search term",
  );
  const words = folded.words ?? "";
  const pieces = typed.map((_, i) => folded[`p${i}`] ?? "").filter((piece) => piece !== "");
  const trigrams = pieces.some((piece) => piece.replace(/ /g, "").length >= TRIGRAM);
  const digits = term.replace(/\D/g, "");
  const mostlyDigits = digits.length >= 4 && digits.length >= significant(term).length - 1;
  // A national number's trunk 0 is not part of the stored international form: match what follows it at the end.
  const lastDigits = [...digits.replace(/^0+/, "")].reverse().join("");
  // With a country code ("+61 3 …", "0061 3 …"), the last eight digits are the subscriber's number in any form.
  const lastEight = digits.length > 8 ? [...digits.slice(-8)].reverse().join("") : null;
  const startsWith = (expression: SQL, prefix: SQL | string) =>
    sql`(${expression} ~>=~ ${prefix} and ${expression} ~<~ (${prefix} || chr(1114111)))`;

  // Each kind of match, as its index's expression and condition, so that index answers it.
  const matches: SQL[] = [];
  if (trigrams && !mostlyDigits) {
    // Every piece somewhere in the key, in any order ("smith john", "mary fitzroy"): pg_trgm's LIKE.
    matches.push(and(...pieces.map(holdsPart))!);
  } else if (!trigrams && !mostlyDigits) {
    // One or two letters: the start of the name, of its second or last word (lower case only).
    matches.push(
      startsWith(keys.name(supporters.name), lowered),
      startsWith(keys.afterFirstWord(supporters.name), lowered),
      startsWith(keys.lastWord(supporters.name), lowered),
    );
  }
  matches.push(startsWith(sql`${supporters.emailKey}`, lowered));
  matches.push(startsWith(keys.postcode(supporters.addressPostalCode), lowered));
  if (digits.length >= 4) {
    matches.push(sql`${supporters.phone} is not null and ${startsWith(keys.phoneDigits(supporters.phone), digits)}`);
    matches.push(
      sql`${supporters.phone} is not null and ${startsWith(keys.phoneDigitsReversed(supporters.phone), lastDigits)}`,
    );
    if (lastEight)
      matches.push(
        sql`${supporters.phone} is not null and ${startsWith(keys.phoneDigitsReversed(supporters.phone), lastEight)}`,
      );
  }

  const idsOf = (tx: DB, branches: SQL[]) => {
    const candidates = (match: SQL) =>
      tx
        .select({ id: supporters.id })
        .from(supporters)
        .where(and(isNull(supporters.erasedAt), match))
        .limit(CANDIDATES);
    const [first, second, ...rest] = branches.map(candidates);
    if (!first) throw new Error("a search needs at least one kind of match");
    return second ? union(first, second, ...rest) : first;
  };

  // Whole email, phone or postcode; then the name and town: whole words in the order typed, the
  // start of a word, a part; within each, the name as written and how close the whole key is
  // (0–1,999). Corrected misspellings, looked for only when nothing matches, rank by how near
  // (0–999).
  const phoneDigits = keys.phoneDigits(supporters.phone);
  const wholePhone = [
    sql`${phoneDigits} = ${digits}`,
    sql`${phoneDigits} like ('%' || ${digits.replace(/^0+/, "")})`,
    ...(lastEight ? [sql`${phoneDigits} like ('%' || ${digits.slice(-8)})`] : []),
  ];
  const wordsOfKey = sql`(' ' || ${key} || ' ')`;
  const everyPiece = pieces.length ? and(...pieces.map(holdsPart))! : sql`false`;
  const tier = sql`greatest(
      case when ${supporters.emailKey} = ${lowered} then 5000 when ${startsWith(sql`${supporters.emailKey}`, lowered)} then 2500 else 0 end,
      ${digits.length >= 4 ? sql`case when ${digits.length >= 6 ? or(...wholePhone) : sql`false`} then 5000 when ${phoneDigits} like ('%' || ${digits} || '%') then 2500 else 0 end,` : sql``}
      case when ${keys.postcode(supporters.addressPostalCode)} = ${lowered} then 4000 when ${startsWith(keys.postcode(supporters.addressPostalCode), lowered)} then 2500 else 0 end,
      case when ${words ? sql`${wordsOfKey} like ${`% ${words} %`}` : sql`false`} then 3000
           when ${words ? sql`${wordsOfKey} like ${`% ${words}%`}` : sql`false`} then 2000
           when ${everyPiece} then 1000
           else 0 end)`;
  // The name as written holding what was typed, as typed (the same alphabet, the same accents)
  // ranks first among equals: "Иванова" puts Мария Иванова above Olga Ivanova, "Ivanova" the reverse.
  const asWritten = sql`case when strpos(lower(${supporters.name}), ${lowered}) > 0 then 1000 else 0 end`;
  const rank = sql<number>`(${tier} * 4 + ${asWritten} + round(similarity(${key}, ${words}) * 999))::int`;

  // The page: the candidates' rows, ranked (each rank computed once: OFFSET 0 keeps the planner
  // from copying its expression into the sort and the keyset condition), from the position on.
  const ranked = async (tx: DB, branches: SQL[], by: SQL<number>) => {
    const found = tx
      .select({ ...columns, rank: by.as("rank") })
      .from(supporters)
      .where(and(inArray(supporters.id, idsOf(tx, branches)), ...filterConditions(filters)))
      .offset(0)
      .as("found");
    return tx
      .select()
      .from(found)
      .where(cursor ? byRankAndId.compare([found.rank, found.id], "<", cursor) : undefined)
      .orderBy(desc(found.rank), desc(found.id))
      .limit(limit + 1);
  };

  let rows = await ranked(db, matches, rank);
  // Nothing at all: a word may be misspelt. Each word of three letters or more is corrected
  // against the words of everyone's keys (supporter_search_words): pg_trgm's similarity finds
  // candidates (a loose threshold, set for this transaction alone), fuzzystrmatch's Levenshtein
  // distance keeps those one letter away (two for words of five letters or more). Then the
  // supporters whose key holds, for every word, it or one of its corrections, ranked by how
  // near their key is to the corrected term.
  if (rows.length === 0 && !cursor && trigrams && !mostlyDigits) {
    rows = await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(CORRECTION_CANDIDATES)}, true)`);
      const typedWords = [...new Set(pieces.flatMap((piece) => piece.split(" ")))];
      // For each word: how it is matched, and the nearest dictionary word (the word itself when it
      // is one), which the ranking compares keys with.
      const alternatives: { matches: SQL; nearest: string; corrected: boolean }[] = [];
      const byWord = (words: string[]) =>
        sql`${keys.wordList(key)} && array[${sql.join(
          words.map((word) => sql`${word}`),
          sql`, `,
        )}]::text[]`;
      for (const word of typedWords) {
        if (word.length < TRIGRAM) {
          alternatives.push({ matches: holdsPart(word), nearest: word, corrected: false });
          continue;
        }
        const distance = word.length >= 5 ? 2 : 1;
        // The dictionary words that hold the word as typed, and those one or two letters away
        // from it, nearest first.
        const found = rowsOf<{ word: string; nearness: number | null }>(
          await tx.execute(sql`
            (select ${supporterSearchWords.word} as word, null::int as nearness from ${supporterSearchWords}
             where ${supporterSearchWords.word} like ${`%${word}%`} limit ${HOLDING_WORDS + 1})
            union all
            (select ${supporterSearchWords.word}, (row_number() over (
               order by levenshtein(${supporterSearchWords.word}, ${word}), ${supporterSearchWords.word} <-> ${word}))::int
             from ${supporterSearchWords}
             where ${supporterSearchWords.word} % ${word} and levenshtein_less_equal(${supporterSearchWords.word}, ${word}, ${distance}) <= ${distance}
             order by 2 limit ${CORRECTIONS})`),
        );
        const holding = found.filter((row) => row.nearness === null).map((row) => row.word);
        const near = found
          .filter((row) => row.nearness !== null)
          .sort((a, b) => a.nearness! - b.nearness!)
          .map((row) => row.word);
        const corrections = near.filter((correction) => correction !== word);
        const nearest = near[0] ?? word;
        const corrected = corrections.length > 0;
        if (holding.length > HOLDING_WORDS)
          // Too many words hold it to name them: as a part of the key, as the first search did.
          alternatives.push({
            matches: corrected ? or(holdsPart(word), byWord(corrections))! : holdsPart(word),
            nearest,
            corrected,
          });
        else if (holding.length === 0 && !corrected)
          // Nothing holds it and nothing is near it: no supporter has every word.
          return [];
        else
          // The words holding it as typed (exactly what the key's LIKE finds: the dictionary has
          // every word of three letters or more of every live key) and its corrections, each as a
          // whole word of the key: one posting list a word (supporters_search_words_idx), where a
          // part of the key costs the trigram index a posting list a trigram.
          alternatives.push({ matches: byWord([...new Set([...holding, ...corrections])]), nearest, corrected });
      }
      if (!alternatives.some(({ corrected }) => corrected)) return [];
      const corrected = alternatives.map(({ nearest }) => nearest).join(" ");
      const holdsEach = and(...alternatives.map(({ matches }) => matches))!;
      return ranked(
        tx as unknown as DB,
        [holdsEach],
        sql<number>`round(word_similarity(${corrected}, ${key}) * 999)::int`,
      );
    });
  }
  const page = pageOf(rows, limit, (row) => byRankAndId.encode([row.rank, row.id]));
  return { ...page, rows: page.rows.map(({ rank: _, ...row }) => row) };
}
