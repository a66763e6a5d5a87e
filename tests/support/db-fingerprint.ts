import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import type { DB } from "@db/client.server";
import * as schema from "@db/schema";

/**
 * A digest of every row of every table, in one query: two equal fingerprints mean nothing was
 * inserted, updated or deleted in between (a row count, as in hostile.ts, misses updates).
 */
export type Fingerprint = Record<string, string>;

const TABLE_NAMES = (Object.values(schema).filter((value) => is(value, PgTable)) as PgTable[])
  .map((table) => getTableName(table))
  .sort();

export async function fingerprintDatabase(db: DB): Promise<Fingerprint> {
  const columns = sql.join(
    TABLE_NAMES.map(
      (name) =>
        sql`(select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from ${sql.identifier(name)} t) as ${sql.identifier(name)}`,
    ),
    sql`, `,
  );
  const result = (await db.execute(sql`select ${columns}`)) as unknown;
  // postgres.js returns the rows as an array; PGlite returns { rows }.
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, string>[];
  return rows[0];
}

/** The tables whose rows differ between two fingerprints. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return Object.keys(after).filter((name) => before[name] !== after[name]);
}
