import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { migrationsFolder, openPglite } from "./pglite.server.mjs";
import * as schema from "./schema";

/** The one database type: the same query code runs on PGlite and on PostgreSQL. */
export type DB = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The rows of a raw `execute()`: postgres.js answers with the rows, PGlite with `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

export type DatabaseOptions = {
  /** postgres://… — when absent, embedded PGlite is used. */
  url?: string;
  /** PGlite data directory, or "memory://" for a throwaway database. */
  dataDir?: string;
  /** PostgreSQL connections in this process's pool. */
  poolSize?: number;
};

/**
 * Subscribes to a notification channel. `onListening` runs whenever the subscription is (again)
 * in place: notifications sent while it was not are lost, so a listener treats that as "anything
 * may have changed". Resolves to the unsubscribe function.
 */
export type Listen = (channel: string, onNotify: (payload: string) => void, onListening: () => void) => Promise<() => Promise<void>>;

type Handle = { db: DB; driver: "postgres" | "pglite"; close: () => Promise<void>; listen: Listen };

const MIGRATION_LOCK = 727_001;

/**
 * Seconds before a pool connection tries to connect again after failing. postgres.js's own
 * back-off grows to 20 s after a few failures, and queries queue behind it: during an outage
 * every request would hang that long, and the app would stay down up to 20 s after the database
 * came back. A refused connection costs next to nothing, so try again within a second; the
 * jitter keeps several app processes from reconnecting in step.
 */
export function reconnectDelaySeconds(failures: number, random: () => number = Math.random): number {
  return Math.min(0.05 * 2 ** failures, 1) * (0.5 + random() / 2);
}

/**
 * Drizzle runs the queries it builds through postgres.js's `unsafe(text, params, { prepare: false })`,
 * and for a statement with parameters postgres.js then asks the server for their types before
 * binding them: two round trips, and the statement parsed and planned on every run. Prepared, a
 * statement is parsed once per connection (postgres.js keys them by text and parameter types) and
 * runs in one round trip. This hands drizzle a client whose every statement, inside transactions
 * and savepoints too, is prepared (ADR 025).
 */
type Sql = postgres.Sql | postgres.TransactionSql;
export function preparingStatements<T extends Sql>(client: T): T {
  const inScope = (run: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
    const body = args.pop() as (scoped: Sql) => unknown;
    return run(...args, (scoped: Sql) => body(preparingStatements(scoped)));
  };
  return new Proxy(client, {
    get(target, key) {
      if (key === "unsafe") return (text: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => target.unsafe(text, params as never, { ...options, prepare: true });
      if (key === "begin" || key === "savepoint") return inScope((target as unknown as Record<string, (...args: unknown[]) => unknown>)[key].bind(target));
      return Reflect.get(target, key);
    },
  });
}

export async function openDatabase(options: DatabaseOptions): Promise<Handle> {
  if (options.url) {
    // Apply migrations over a single connection holding an advisory lock, so two app
    // processes starting at once do not race each other.
    const migrationClient = postgres(options.url, { max: 1, onnotice: () => {} });
    try {
      await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK})`;
      await migratePostgres(drizzlePostgres(migrationClient), { migrationsFolder });
      await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    } finally {
      await migrationClient.end();
    }
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connect_timeout: 5,
      idle_timeout: 30,
      backoff: reconnectDelaySeconds,
    });
    const db = drizzlePostgres(preparingStatements(client), { schema }) as unknown as DB;
    // postgres.js listens on a connection of its own, reconnects it, and calls onlisten each time.
    const listen: Listen = async (channel, onNotify, onListening) => {
      const { unlisten } = await client.listen(channel, onNotify, onListening);
      return unlisten;
    };
    return { db, driver: "postgres", close: () => client.end({ timeout: 5 }), listen };
  }
  // A new database is a copy of one made once per installation (db/pglite.server.mjs); under
  // `npm start` it was already opened and migrated while the app was being built.
  const client = await openPglite(options.dataDir ?? "./data/pglite");
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  // In-process: the subscription cannot drop.
  const listen: Listen = async (channel, onNotify, onListening) => {
    const unsubscribe = await client.listen(channel, onNotify);
    onListening();
    return unsubscribe;
  };
  return { db: db as unknown as DB, driver: "pglite", close: () => client.close(), listen };
}

let current: Handle | undefined;
let opening: Promise<Handle> | undefined;

/** Opens (once per process) the database the environment names, migrating it first. */
export function connect(options: DatabaseOptions): Promise<Handle> {
  if (current) return Promise.resolve(current);
  opening ??= openDatabase(options).then((handle) => {
    current = handle;
    return handle;
  });
  return opening;
}

export function getDb(): DB {
  if (!current) throw new Error("Database not connected: call connect() at start-up");
  return current.db;
}

/** Subscribes to a notification channel of the open database (see Listen). */
export function listen(...args: Parameters<Listen>): ReturnType<Listen> {
  if (!current) throw new Error("Database not connected: call connect() at start-up");
  return current.listen(...args);
}

export function databaseDriver() {
  return current?.driver;
}

export async function pingDatabase(timeoutMs = 2000): Promise<boolean> {
  if (!current) return false;
  const db = current.db;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.execute(sql`select 1`),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database ping timed out")), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function disconnect() {
  const handle = current;
  current = undefined;
  opening = undefined;
  await handle?.close();
}
