import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import type { DB } from "@db/client.server";
import * as schema from "@db/schema";

/**
 * Row counts of every table, to show what a request changed. Apart from hostile.ts, whose
 * fast-check string arbitraries take most of a second to build when it is imported.
 */

const TABLE_NAMES = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => getTableName(table))
  .sort();

export type RowCounts = Record<string, number>;

/** The number of rows in every table of the schema, in one query. */
export async function countAllRows(db: DB): Promise<RowCounts> {
  const columns = sql.join(
    TABLE_NAMES.map((name) => sql`(select count(*)::int from ${sql.identifier(name)}) as ${sql.identifier(name)}`),
    sql`, `,
  );
  const result = (await db.execute(sql`select ${columns}`)) as unknown;
  // postgres.js returns the rows as an array; PGlite returns { rows }.
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
    string,
    number | string
  >[];
  return Object.fromEntries(Object.entries(rows[0]).map(([name, n]) => [name, Number(n)]));
}

/** Tables whose counts changed between two snapshots, with the difference. */
export function changedTables(
  before: RowCounts,
  after: RowCounts,
  allowed: readonly string[] = [],
): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const name of Object.keys(after)) {
    if (allowed.includes(name)) continue;
    const delta = after[name] - (before[name] ?? 0);
    if (delta !== 0) changed[name] = delta;
  }
  return changed;
}
