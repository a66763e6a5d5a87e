import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DB } from "@db/client.server";

export type TestDatabase = { db: DB; url: string | undefined; close: () => Promise<void> };

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is
 * set (as in CI), otherwise an in-memory PGlite. Dropped again on close.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const handle = await openDatabase({ dataDir: "memory://" });
    return { db: handle.db, url: undefined, close: handle.close };
  }
  const name = `ff_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  return {
    db: handle.db,
    url: url.toString(),
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
