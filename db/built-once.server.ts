import type { Query, SQL } from "drizzle-orm";
import * as drizzleUtils from "drizzle-orm/utils";
import { rowsOf, type DB } from "./client.server";

/**
 * Drizzle builds a query's SQL text every time it runs it: 370 µs of CPU for the five-table read
 * that records a payment, 75 µs for one table's whole row, more than the database takes to answer
 * them (measured in docs/performance.md). A query on the webhook's path is built once instead:
 * `build` makes it with `sql.placeholder(name)` for each value, and every run fills the values
 * in and runs the same text on the caller's database or transaction, its rows mapped as drizzle
 * maps them (nested objects, null for a left join that found nothing, columns' own types).
 *
 * Uses what drizzle's own `.prepare()` uses (the session's prepareQuery); unlike `.prepare()`,
 * the built text is not tied to one session, so it also runs inside a transaction. `build` may
 * also make an insert (`values` of placeholders, `returning`): its rows come back mapped the same.
 */
export function builtOnce<Q extends PromiseLike<unknown>>(build: (db: DB) => Q) {
  let built: Built | undefined;
  return (db: DB, values: Record<string, unknown>): Promise<Awaited<Q>> => {
    if (!built) {
      const query = build(db) as unknown as SelectInternals | InsertInternals;
      built = {
        query: (db as unknown as DbInternals).dialect.sqlToQuery(query.getSQL()),
        // A select's fields, or an insert's `returning` (drizzle orders those itself).
        fields: "fields" in query.config ? orderSelectedFields(query.config.fields) : query.config.returning,
        joinsNotNullableMap: "joinsNotNullableMap" in query ? query.joinsNotNullableMap : undefined,
      };
    }
    const prepared = (db as unknown as DbInternals).session.prepareQuery(built.query, built.fields, undefined, true);
    prepared.joinsNotNullableMap = built.joinsNotNullableMap;
    return prepared.execute(values) as Promise<Awaited<Q>>;
  };
}

/**
 * A statement of raw SQL (`sql` with placeholders) built once, like builtOnce; its rows as the
 * driver gives them (rowsOf). Calls made one after another in the same tick reach the connection
 * in the order they were made, so a transaction can send several in one write and the server runs
 * them in that order (the first one's locks are held before the next one reads): `inOrder`.
 */
export function builtOnceStatement<Row>(build: () => SQL) {
  let query: Query | undefined;
  return (db: DB, values: Record<string, unknown>): Promise<Row[]> => {
    const internals = db as unknown as DbInternals;
    query ??= internals.dialect.sqlToQuery(build());
    return internals.session
      .prepareQuery(query, undefined, undefined, false)
      .execute(values)
      .then((result) => rowsOf<Row>(result));
  };
}

/**
 * Statements sent together, run by the server in the order given, each after the one before has
 * finished (its locks taken, then a fresh snapshot for the next, as if awaited one by one): one
 * round trip instead of one each. Each is a call of a builtOnce or builtOnceStatement query, made
 * here in order; tests/integration/built-once.test.ts shows the order holds on both drivers.
 */
export function inOrder<T extends readonly unknown[]>(...started: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  return Promise.all(started) as Promise<T>;
}

type Built = { query: Query; fields: unknown; joinsNotNullableMap: unknown };

/** The parts of a drizzle select or insert, and of a database or transaction, that `.prepare()` itself uses. */
type SelectInternals = { getSQL(): unknown; config: { fields: unknown }; joinsNotNullableMap: unknown };
type InsertInternals = { getSQL(): unknown; config: { returning?: unknown } };
type DbInternals = {
  dialect: { sqlToQuery(sql: unknown): Query };
  session: {
    prepareQuery(
      query: Query,
      fields: unknown | undefined,
      name: undefined,
      isResponseInArrayMode: boolean,
    ): { joinsNotNullableMap: unknown; execute(values: Record<string, unknown>): Promise<unknown> };
  };
};

const orderSelectedFields = (drizzleUtils as unknown as { orderSelectedFields(fields: unknown): unknown })
  .orderSelectedFields;
