import type { Query } from "drizzle-orm";
import * as drizzleUtils from "drizzle-orm/utils";
import type { DB } from "./client.server";

/**
 * Drizzle builds a query's SQL text every time it runs it: 370 µs of CPU for the five-table read
 * that records a payment, 75 µs for one table's whole row, more than the database takes to answer
 * them (measured in docs/performance.md). A query on the webhook's path is built once instead:
 * `build` makes it with `sql.placeholder(name)` for each value, and every run fills the values
 * in and runs the same text on the caller's database or transaction, its rows mapped as drizzle
 * maps them (nested objects, null for a left join that found nothing, columns' own types).
 *
 * Uses what drizzle's own `.prepare()` uses (the session's prepareQuery); unlike `.prepare()`,
 * the built text is not tied to one session, so it also runs inside a transaction.
 */
export function builtOnce<Q extends PromiseLike<unknown>>(build: (db: DB) => Q) {
  let built: Built | undefined;
  return (db: DB, values: Record<string, unknown>): Promise<Awaited<Q>> => {
    if (!built) {
      const select = build(db) as unknown as SelectInternals;
      built = {
        query: (db as unknown as DbInternals).dialect.sqlToQuery(select.getSQL()),
        fields: orderSelectedFields(select.config.fields),
        joinsNotNullableMap: select.joinsNotNullableMap,
      };
    }
    const prepared = (db as unknown as DbInternals).session.prepareQuery(built.query, built.fields, undefined, true);
    prepared.joinsNotNullableMap = built.joinsNotNullableMap;
    return prepared.execute(values) as Promise<Awaited<Q>>;
  };
}

type Built = { query: Query; fields: unknown; joinsNotNullableMap: unknown };

/** The parts of a drizzle select, and of a database or transaction, that `.prepare()` itself uses. */
type SelectInternals = { getSQL(): unknown; config: { fields: unknown }; joinsNotNullableMap: unknown };
type DbInternals = {
  dialect: { sqlToQuery(sql: unknown): Query };
  session: {
    prepareQuery(
      query: Query,
      fields: unknown,
      name: undefined,
      isResponseInArrayMode: boolean,
    ): { joinsNotNullableMap: unknown; execute(values: Record<string, unknown>): Promise<unknown> };
  };
};

const orderSelectedFields = (drizzleUtils as unknown as { orderSelectedFields(fields: unknown): unknown })
  .orderSelectedFields;
