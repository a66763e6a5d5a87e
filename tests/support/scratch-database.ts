import { randomBytes } from "node:crypto";
import postgres from "postgres";

export type ScratchDatabase = {
  name: string;
  url: string;
  drop: () => Promise<void>;
  /**
   * Starts the drop and returns at once: a test file's databases are dropped while the next file
   * runs (a drop waits ~0.2–0.4 s on the server, once per file). The run's global teardown drops
   * whatever a worker that exited first left behind (`dropLeftovers`).
   */
  dropLater: () => Promise<void>;
};

/** Databases this module made, by prefix and creation time: `<prefix>_<time base 36>_<random>`. */
const NAME = /^(ff_[a-z0-9_]+?)_([0-9a-z]{8,9})_([0-9a-f]{8})$/;

/**
 * Drops the scratch databases (ff_test_…, ff_e2e_…, ff_cli_…) made since `since` that nobody is
 * connected to: what a run's background drops had not finished when its workers exited.
 */
export async function dropLeftovers(adminUrl: string, since: number) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`
      select datname from pg_database
      where datname like 'ff\_%' and datname not in (select datname from pg_stat_activity where datname is not null)`;
    for (const { datname } of rows) {
      const match = NAME.exec(datname);
      if (!match || parseInt(match[2]!, 36) < since) continue;
      await admin.unsafe(`drop database if exists ${datname}`).catch(() => {});
    }
  } finally {
    await admin.end();
  }
}

/**
 * A new, empty PostgreSQL database beside the one `adminUrl` names (or a copy of `template`),
 * named `<prefix>_<time>_<random>`; `drop` removes it, whoever is still connected. CI drops any
 * `ff_test_%` database a crashed run left behind. No vitest import: global setup uses it too.
 */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
  { template }: { template?: string } = {},
): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`);
    // Commits are not waited onto disk: every commit is as atomic and as visible to every
    // connection, only a crash of PostgreSQL itself (which no test of this shared server causes)
    // could lose the last few. A test database is thrown away anyway; the wait was most of the
    // time of many small transactions.
    await admin.unsafe(`alter database ${name} set synchronous_commit = off`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    try {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await admin.end();
    }
  };
  return {
    name,
    url: url.toString(),
    drop,
    dropLater: async () => {
      void drop().catch(() => {});
    },
  };
}

/** The server tests that need a PostgreSQL of their own use: DATABASE_URL's, or the usual local one. */
export const SERVER_ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * A scratch database on SERVER_ADMIN_URL's server for a test that needs a real PostgreSQL (an
 * embedded database belongs to one process), or why there is none: named by DATABASE_URL (as in
 * CI) the server must answer; only the local fallback may be missing, and the test then skips
 * with that note.
 */
export async function scratchOnServer(
  prefix: string,
  what: string,
): Promise<{ scratch: ScratchDatabase; unreachable: null } | { scratch: null; unreachable: string }> {
  const admin = postgres(SERVER_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
  } catch (error) {
    if (process.env.DATABASE_URL) throw error;
    const unreachable = `${what} skipped: PostgreSQL at ${new URL(SERVER_ADMIN_URL).host} is not reachable (${(error as Error).message}); start it or set DATABASE_URL`;
    console.warn(unreachable);
    return { scratch: null, unreachable };
  } finally {
    await admin.end();
  }
  return { scratch: await createScratchDatabase(SERVER_ADMIN_URL, prefix), unreachable: null };
}
