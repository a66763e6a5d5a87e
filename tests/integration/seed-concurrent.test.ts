import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { campaigns } from "@db/schema";
import { seedDemoData } from "@db/seed";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

// Several app servers started at once on an empty database (compose, the fleet test) all seed.
it("three app processes seeding one empty database at once: one seeds, the others find it seeded, none fails", async () => {
  const results = await Promise.allSettled([1, 2, 3].map(() => seedDemoData(t.db)));
  expect(
    results
      .map((r) => (r.status === "fulfilled" ? String(r.value) : `failed: ${String(r.reason).slice(0, 120)}`))
      .sort(),
  ).toEqual(["false", "false", "true"]);
  const [{ count }] = await t.db.select({ count: sql<number>`count(*)::int` }).from(campaigns);
  expect(count).toBe(3);
});
