import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { builtOnce, builtOnceStatement, inOrder } from "@db/built-once.server";
import type { DB } from "@db/client.server";
import { campaigns, payments, plans, supporters } from "@db/schema";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

// A select with a nested object per table, a left join that may find nothing, and columns of
// several types (bigint as number, timestamps, jsonb, booleans).
const direct = (db: DB, supporterId: number, planId: number) =>
  db
    .select({ supporter: supporters, campaign: campaigns, plan: plans, payment: payments })
    .from(supporters)
    .innerJoin(payments, eq(payments.supporterId, supporters.id))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(plans, eq(plans.id, planId))
    .where(eq(supporters.id, supporterId));
const once = builtOnce((db) =>
  db
    .select({ supporter: supporters, campaign: campaigns, plan: plans, payment: payments })
    .from(supporters)
    .innerJoin(payments, eq(payments.supporterId, supporters.id))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(plans, eq(plans.id, sql.placeholder("planId")))
    .where(eq(supporters.id, sql.placeholder("supporterId"))),
);

describe("builtOnce: a query built once answers as drizzle does", () => {
  it("gives the same rows as the query built afresh, for other values, with a left join that finds nothing, in a transaction too", async () => {
    const first = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 4200 });
    const second = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1700 });
    const [plan] = await t.db.select().from(plans).limit(1);
    for (const [supporterId, planId] of [
      [first.supporterId, plan.id],
      [second.supporterId, -1],
      [first.supporterId, -1],
    ] as const) {
      const expected = await direct(t.db, supporterId, planId);
      expect(expected.length).toBeGreaterThan(0);
      expect(await once(t.db, { supporterId, planId })).toEqual(expected);
      expect(await t.db.transaction((tx) => once(tx, { supporterId, planId }))).toEqual(expected);
    }
    const [row] = await once(t.db, { supporterId: second.supporterId, planId: -1 });
    expect(row.plan).toBeNull();
    expect(row.payment.amountMinor).toBe(1700);
    expect(row.payment.paidAt).toBeInstanceOf(Date);
  });
});

const takeLock = builtOnceStatement(() => sql`select pg_advisory_xact_lock(${sql.placeholder("key")}::bigint)`);
const heldLocks = builtOnceStatement<{ n: number }>(
  () =>
    sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${sql.placeholder("key")}::bigint and pid = pg_backend_pid()`,
);
const insertSupporter = builtOnceStatement(
  () => sql`insert into ${supporters} (email, name) values (${sql.placeholder("email")}, 'In Order')`,
);
const findSupporter = builtOnce((db) =>
  db
    .select({ id: supporters.id })
    .from(supporters)
    .where(eq(supporters.email, sql.placeholder("email"))),
);

describe("inOrder: statements sent together run in the order given", () => {
  it("a lock is held before the next statement looks, and a row written is seen by the next read", async () => {
    for (let round = 0; round < 20; round++) {
      const key = 7_000_000 + round;
      const email = `in-order-${round}-${Date.now()}@example.net`;
      const [, [held], , found] = await t.db.transaction((tx) =>
        inOrder(
          takeLock(tx, { key }),
          heldLocks(tx, { key }),
          insertSupporter(tx, { email }),
          findSupporter(tx, { email }),
        ),
      );
      expect(held.n).toBe(1);
      expect(found).toHaveLength(1);
    }
  });
});
