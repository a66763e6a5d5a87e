import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connect, disconnect, type DB } from "@db/client.server";

export type TestDatabase = { db: DB; url: string | undefined; close: () => Promise<void> };

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is
 * set (as in CI), otherwise an in-memory PGlite. It becomes the process's database (what
 * getDb() returns), so route modules can be called directly. Dropped again on close.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const handle = await connect({ dataDir: "memory://" });
    return { db: handle.db, url: undefined, close: disconnect };
  }
  const name = `ff_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await connect({ url: url.toString() });
  return {
    db: handle.db,
    url: url.toString(),
    close: async () => {
      await disconnect();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
