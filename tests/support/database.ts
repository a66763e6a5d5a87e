import { afterAll, beforeAll, inject } from "vitest";
import { connect, disconnect, type DB } from "@db/client.server";
import { seeded } from "../factories";
import { createScratchDatabase } from "./scratch-database";

export type TestDatabase = { db: DB; url: string | undefined; close: () => Promise<void> };

export type TestDatabaseOptions = {
  /**
   * PostgreSQL settings for every connection of the file's pool (ignored on PGlite), e.g.
   * `{ synchronous_commit: "off" }`: commits are as atomic and as visible, only not waited onto
   * disk, which no test of a running database can tell apart.
   */
  sessionSettings?: Record<string, string>;
};

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is
 * set (as in CI), otherwise an in-memory PGlite. It becomes the process's database (what
 * getDb() returns), so route modules can be called directly. Dropped again on close.
 * On PostgreSQL it is a copy of the run's migrated template (global-setup.ts); connecting still
 * runs the migrator, which finds nothing left to apply.
 */
export async function createTestDatabase({ sessionSettings = {} }: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const handle = await connect({ dataDir: "memory://" });
    return { db: handle.db, url: undefined, close: disconnect };
  }
  const scratch = await createScratchDatabase(adminUrl, "ff_test", {
    template: inject("templateDatabase") || undefined,
  });
  // postgres.js sends a URL parameter it does not know as a run-time setting of every connection.
  const url = new URL(scratch.url);
  for (const [name, value] of Object.entries(sessionSettings)) url.searchParams.set(name, value);
  const handle = await connect({ url: url.toString() });
  return {
    db: handle.db,
    url: scratch.url,
    close: async () => {
      await disconnect();
      await scratch.dropLater();
    },
  };
}

type Fixtures = Awaited<ReturnType<typeof seeded>>;

/** Forwards every property access to whatever `current()` holds when it is accessed. */
function late<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = current();
      if (!target) throw new Error(`${what} is not ready: use it inside a test or hook`);
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The usual test-file set-up: a fresh database (see createTestDatabase), seeded with the demo
 * campaign and plans, closed after the file. Usable as `const { t, fixtures } = useSeededDatabase()`.
 */
export function useSeededDatabase(options: TestDatabaseOptions = {}): { t: TestDatabase; fixtures: Fixtures } {
  let t: TestDatabase | undefined;
  let fixtures: Fixtures | undefined;
  beforeAll(async () => {
    t = await createTestDatabase(options);
    fixtures = await seeded(t.db);
  });
  afterAll(() => t?.close());
  return { t: late(() => t, "the test database"), fixtures: late(() => fixtures, "the seeded fixtures") };
}
