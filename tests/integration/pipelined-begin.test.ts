import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitWithNextStatement, openDatabase, rowsOf } from "@db/client.server";
import { countingProxy, type CountingProxy } from "../support/counting-proxy";
import { scratchOnServer, type ScratchDatabase } from "../support/scratch-database";

/*
 * A transaction's first statement goes out with its BEGIN, in one write, instead of after BEGIN's
 * answer; and a statement marked as the transaction's last goes out with its COMMIT: a round trip
 * less at each end (patches/postgres+3.4.9.patch, ADR 056). What the driver writes is watched
 * through a TCP proxy between it and PostgreSQL. Also: transactions that fail still roll back,
 * and connections go back to the pool in a state fit for the next transaction.
 * Needs PostgreSQL: DATABASE_URL's server, or the usual one at 127.0.0.1:5432 (scratchOnServer).
 */

let unreachable: string | null = null;
let scratch: ScratchDatabase | null = null;
let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
let proxy: CountingProxy | undefined;

beforeAll(async () => {
  ({ scratch, unreachable } = await scratchOnServer("ff_test_pipelined_begin", "pipelined BEGIN test"));
  if (!scratch) return;
  proxy = await countingProxy(scratch.url);
  handle = await openDatabase({ url: proxy.url, poolSize: 2 });
  await handle.db.execute(sql`create table pipelined_begin_test (n int primary key)`);
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await proxy?.close();
  await scratch?.drop();
});

describe("a transaction's BEGIN", () => {
  it("is written together with the transaction's first statement", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const { result, roundTrips: written } = await proxy!.during(() =>
      handle!.db.transaction(async (tx) =>
        rowsOf<{ marker: string }>(await tx.execute(sql`select 'first-statement-marker' as marker`)),
      ),
    );
    expect(result).toEqual([{ marker: "first-statement-marker" }]);
    const withBegin = written.filter((chunk) => /\bbegin\b/i.test(chunk));
    expect(withBegin).toHaveLength(1);
    expect(withBegin[0]).toContain("first-statement-marker");
  });

  it("still rolls back everything when the transaction fails", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    const outcome = await db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into pipelined_begin_test (n) values (1)`);
        await tx.execute(sql`insert into pipelined_begin_test (n) values (1)`);
      })
      .then(
        () => "committed",
        (error: Error) => `failed: ${error.message}`,
      );
    expect(outcome).toMatch(/^failed: Failed query: insert into/);
    const rows = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from pipelined_begin_test`));
    expect(rows[0].n).toBe(0);
  });

  it("fails and rolls back when its very first statement fails, and the connection serves the next one", async ({
    skip,
  }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    const outcome = await db
      .transaction(async (tx) => {
        await tx.execute(sql`select no_such_column from pipelined_begin_test`);
        await tx.execute(sql`insert into pipelined_begin_test (n) values (2)`);
      })
      .then(
        () => "committed",
        (error: Error) => `failed: ${error.message}`,
      );
    expect(outcome).toMatch(/^failed: Failed query: select no_such_column/);
    for (let i = 0; i < 4; i++) {
      const status = rowsOf<{ n: number; idle: boolean }>(
        await db.transaction((tx) =>
          tx.execute(
            sql`select count(*)::int as n, txid_current_if_assigned() is null as idle from pipelined_begin_test`,
          ),
        ),
      );
      expect(status).toEqual([{ n: 0, idle: true }]);
    }
  });

  it("waits for a connection when the pool has none free, and each transaction sees only its own work", async ({
    skip,
  }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    // Five transactions on a pool of two: three start only when another ends.
    const seen = await Promise.all(
      [10, 11, 12, 13, 14].map((n) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into pipelined_begin_test (n) values (${n})`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          const [{ mine }] = rowsOf<{ mine: number }>(
            await tx.execute(sql`select count(*)::int as mine from pipelined_begin_test where n = ${n}`),
          );
          const [{ xact }] = rowsOf<{ xact: string | null }>(
            await tx.execute(sql`select txid_current_if_assigned()::text as xact`),
          );
          return { mine, xact };
        }),
      ),
    );
    expect(seen.map((s) => s.mine)).toEqual([1, 1, 1, 1, 1]);
    // Each in a transaction of its own: the three that waited were not begun on one connection
    // together (one COMMIT would then end all three).
    const transactions = seen.map((s) => s.xact);
    expect(transactions.every((xact) => xact !== null)).toBe(true);
    expect(new Set(transactions).size).toBe(5);
    const rows = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from pipelined_begin_test where n between 10 and 14`),
    );
    expect(rows[0].n).toBe(5);
  });
});

describe("a transaction's last statement, marked with commitWithNextStatement", () => {
  const count = async (from: number, to: number) =>
    rowsOf<{ n: number }>(
      await handle!.db.execute(
        sql`select count(*)::int as n from pipelined_begin_test where n between ${from} and ${to}`,
      ),
    )[0].n;

  it("is written together with COMMIT, and its transaction is committed", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const { result, roundTrips } = await proxy!.during(() =>
      handle!.db.transaction(async (tx) => {
        await tx.execute(sql`insert into pipelined_begin_test (n) values (100)`);
        expect(commitWithNextStatement(tx)).toBe(true);
        return rowsOf<{ n: number }>(
          await tx.execute(sql`insert into pipelined_begin_test (n) values (101) returning n`),
        );
      }),
    );
    expect(result).toEqual([{ n: 101 }]);
    // BEGIN with the first insert, then the last insert with COMMIT (a prepared COMMIT is sent
    // by name, so its text is not always in the write): two writes, not three.
    expect(roundTrips).toHaveLength(2);
    expect(roundTrips[1]).toContain("values (101)");
    expect(await count(100, 101)).toBe(2);
  });

  it("rolls the whole transaction back when that statement fails", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const outcome = await handle!.db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into pipelined_begin_test (n) values (110)`);
        commitWithNextStatement(tx);
        await tx.execute(sql`insert into pipelined_begin_test (n) values (110)`);
      })
      .then(
        () => "committed",
        (error: Error) => `failed: ${error.message}`,
      );
    expect(outcome).toMatch(/^failed: Failed query: insert into/);
    expect(await count(110, 110)).toBe(0);
  });

  it("takes no statement after it, and the connection goes on serving other transactions", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    const outcome = await db
      .transaction(async (tx) => {
        commitWithNextStatement(tx);
        await tx.execute(sql`insert into pipelined_begin_test (n) values (120)`);
        await tx.execute(sql`insert into pipelined_begin_test (n) values (121)`);
      })
      .then(
        () => "committed",
        (error: Error) => `failed: ${error.cause instanceof Error ? error.cause.message : error.message}`,
      );
    expect(outcome).toMatch(/committed with its last statement/);
    // The last statement was committed; the one after it never ran, here or anywhere else.
    expect(await count(120, 121)).toBe(1);
    const others = await Promise.all(
      [122, 123, 124, 125].map((n) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into pipelined_begin_test (n) values (${n})`);
          return rowsOf<{ open: boolean }>(
            await tx.execute(sql`select txid_current_if_assigned() is not null as open`),
          );
        }),
      ),
    );
    expect(others.flat()).toEqual([{ open: true }, { open: true }, { open: true }, { open: true }]);
    expect(await count(120, 125)).toBe(5);
  });

  it("cannot be marked outside a transaction or inside a savepoint", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const db = handle!.db;
    expect(commitWithNextStatement(db)).toBe(false);
    await db.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        expect(commitWithNextStatement(inner)).toBe(false);
      });
    });
  });
});
