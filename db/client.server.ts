import { randomBytes } from "node:crypto";
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
export type Listen = (
  channel: string,
  onNotify: (payload: string) => void,
  onListening: () => void,
) => Promise<() => Promise<void>>;

type Handle = { db: DB; driver: "postgres" | "pglite"; close: () => Promise<void>; listen: Listen; poolSize: number };

/**
 * This process's connections say who they are (`application_name`), so /metrics can count them
 * in pg_stat_activity: postgres.js does not expose its pool. Random, not the pid: every
 * container's app is pid 1.
 */
export const APPLICATION_NAME = `fighting-fund/${randomBytes(4).toString("hex")}`;

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
/** commitWithNextStatement's mark on a transaction's client: a function only at the top level. */
const COMMIT_WITH_NEXT = Symbol("commit with the next statement");
export function preparingStatements<T extends Sql>(client: T, topLevel = false): T {
  const inScope =
    (run: (...args: unknown[]) => unknown, scopeIsTopLevel: boolean) =>
    (...args: unknown[]) => {
      const body = args.pop() as (scoped: Sql) => unknown;
      return run(...args, (scoped: Sql) => body(preparingStatements(scoped, scopeIsTopLevel)));
    };
  let commitNext = false;
  const scopes = client as unknown as Record<"begin" | "savepoint", (...args: unknown[]) => unknown>;
  return new Proxy(client, {
    get(target, key) {
      if (key === "unsafe")
        return (text: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => {
          // `thenCommit` is read by patches/postgres+3.4.9.patch: COMMIT goes right behind it.
          const thenCommit = commitNext ? { thenCommit: true } : {};
          commitNext = false;
          return target.unsafe(text, params as never, { ...options, prepare: true, ...thenCommit });
        };
      if (key === COMMIT_WITH_NEXT) return topLevel ? () => (commitNext = true) : undefined;
      if (key === "begin") return inScope(scopes.begin.bind(target), true);
      if (key === "savepoint") return inScope(scopes.savepoint.bind(target), false);
      return Reflect.get(target, key);
    },
  });
}

/**
 * Marks the next statement on `tx` as its transaction's last: COMMIT is sent right behind it, in
 * the same write, so the transaction ends one round trip sooner and its locks (the receipt
 * counter's) are not held while this process gets round to committing (ADR 056). After it, the
 * transaction takes no more statements (they fail with TRANSACTION_ENDED); if the statement fails,
 * its COMMIT rolls everything back and the statement's error is what the transaction throws.
 * Returns false where this cannot be done (PGlite; inside a savepoint): the transaction then
 * commits when its callback returns, as usual. The mark goes to the next statement sent on `tx`:
 * call it right before that statement, with no other statement of the transaction in flight.
 */
export function commitWithNextStatement(tx: DB): boolean {
  const client = (tx as unknown as { session?: { client?: Record<symbol, unknown> } }).session?.client;
  const mark = client?.[COMMIT_WITH_NEXT];
  if (typeof mark !== "function") return false;
  (mark as () => void)();
  return true;
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
      connection: { application_name: APPLICATION_NAME },
    });
    const db = drizzlePostgres(preparingStatements(client), { schema }) as unknown as DB;
    // postgres.js listens on a connection of its own, reconnects it, and calls onlisten each time.
    const listen: Listen = async (channel, onNotify, onListening) => {
      const { unlisten } = await client.listen(channel, onNotify, onListening);
      return unlisten;
    };
    return {
      db,
      driver: "postgres",
      close: () => client.end({ timeout: 5 }),
      listen,
      poolSize: options.poolSize ?? 10,
    };
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
  return { db: db as unknown as DB, driver: "pglite", close: () => client.close(), listen, poolSize: 1 };
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

export type DatabasePool = {
  driver: "postgres" | "pglite";
  /** Connections this process may open (PGlite: its one in-process connection). */
  size: number;
  /** PostgreSQL only: this process's open connections by pg_stat_activity state (the LISTEN one included, the asking one not). */
  connections: Record<string, number> | null;
};

/** For /metrics: the pool as the database server sees it (one cheap query on PostgreSQL). */
export async function databasePool(): Promise<DatabasePool | null> {
  if (!current) return null;
  if (current.driver === "pglite") return { driver: "pglite", size: 1, connections: null };
  const rows = rowsOf<{ state: string; n: number }>(
    await current.db.execute(
      sql`select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity where application_name = ${APPLICATION_NAME} and pid <> pg_backend_pid() group by 1`,
    ),
  );
  return {
    driver: "postgres",
    size: current.poolSize,
    connections: Object.fromEntries(rows.map((row) => [row.state, Number(row.n)])),
  };
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
