import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, rowsOf } from "@db/client.server";
import { SERVER_ADMIN_URL, scratchOnServer, type ScratchDatabase } from "../support/scratch-database";

/*
 * A PostgreSQL backend ended under a transaction (a failover, a restart, an administrator's
 * pg_terminate_backend) must fail that transaction, not the process. postgres.js 3.4.9 threw
 * from a timer when the transaction's next statement was written to the closed connection
 * (porsager/postgres#1208): patches/postgres+3.4.9.patch settles it as CONNECTION_CLOSED.
 * Needs PostgreSQL: DATABASE_URL's server, or the usual one at 127.0.0.1:5432 (scratchOnServer).
 */

let unreachable: string | null = null;
let scratch: ScratchDatabase | null = null;
let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
let killer: postgres.Sql | undefined;

beforeAll(async () => {
  ({ scratch, unreachable } = await scratchOnServer("ff_test_killed", "connection-killed test"));
  if (!scratch) return;
  handle = await openDatabase({ url: scratch.url, poolSize: 2 });
  killer = postgres(SERVER_ADMIN_URL, { max: 1, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await scratch?.drop();
  await killer?.end();
});

describe("a backend ended in the middle of a transaction", () => {
  it("fails that transaction with an error the caller catches, and the pool goes on", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    const outcome = await db
      .transaction(async (tx) => {
        const [{ pid }] = rowsOf<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
        await killer!`select pg_terminate_backend(${pid})`;
        // The connection has seen its socket close before the next statements are written.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const results = await Promise.allSettled([tx.execute(sql`select 1`), tx.execute(sql`select 2`)]);
        const failure = results.find((result) => result.status === "rejected");
        if (failure) throw failure.reason;
        return "committed";
      })
      .catch((error: unknown) => `failed: ${(error as Error).message}`);
    expect(outcome).toMatch(/^failed: /);
    // Give any write still queued on the dead connection its turn: it must not throw.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [{ ok }] = rowsOf<{ ok: number }>(await db.execute(sql`select 1 as ok`));
    expect(ok).toBe(1);
  });
});
