import { randomBytes } from "node:crypto";
import postgres from "postgres";

export type ScratchDatabase = { name: string; url: string; drop: () => Promise<void> };

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
  return {
    name,
    url: url.toString(),
    drop: async () => {
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
