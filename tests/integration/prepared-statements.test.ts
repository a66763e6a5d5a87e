import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparingStatements } from "@db/client.server";
import * as schema from "@db/schema";
import { useSeededDatabase } from "../support/database";

/**
 * On PostgreSQL every statement drizzle builds is prepared once per connection and then run in
 * one round trip (ADR 025). Asserted through the server's own view of the connection,
 * pg_prepared_statements; PGlite has no such driver path.
 */
const { t, fixtures } = useSeededDatabase();
const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)("statements on PostgreSQL", () => {
  let client: postgres.Sql;
  let db: ReturnType<typeof drizzle<typeof schema>>;
  beforeAll(() => {
    // One connection, so the prepared statements asked about are this client's.
    client = postgres(t.url!, { max: 1, onnotice: () => {} });
    db = drizzle(preparingStatements(client), { schema });
  });
  afterAll(() => client.end());

  const preparedTexts = async () =>
    (await client<{ statement: string }[]>`select statement from pg_prepared_statements`).map((row) => row.statement);
  const campaignBySlug = (slug: string) =>
    db.select({ id: schema.campaigns.id }).from(schema.campaigns).where(eq(schema.campaigns.slug, slug));

  it("are prepared once and reused, with other parameters, outside and inside transactions and savepoints", async () => {
    const [first] = await campaignBySlug(fixtures.campaign.slug);
    expect(first.id).toBe(fixtures.campaign.id);
    const [second] = await campaignBySlug("defence-fund");
    expect(second.id).not.toBe(first.id);
    await db.transaction(async (tx) => {
      await tx.select({ n: schema.plans.id }).from(schema.plans).where(eq(schema.plans.code, "print-monthly"));
      await tx.transaction(async (inner) => {
        await inner.select({ n: schema.settings.id }).from(schema.settings).where(eq(schema.settings.id, 1));
      });
    });
    const texts = await preparedTexts();
    const count = (fragment: string) => texts.filter((text) => text.includes(fragment)).length;
    // One statement for both slugs: the same text, prepared once.
    expect(count('from "campaigns" where "campaigns"."slug" = $1')).toBe(1);
    expect(count('from "plans" where "plans"."code" = $1')).toBe(1);
    expect(count('from "settings" where "settings"."id" = $1')).toBe(1);
  });

  it("leave the raw client as it was", async () => {
    const before = (await preparedTexts()).length;
    await client.unsafe("select $1::int as n", [7], { prepare: false });
    expect((await preparedTexts()).length).toBe(before);
    const [row] = await db.execute<{ n: number }>(sql`select ${7}::int as n`);
    expect(Number(row.n)).toBe(7);
  });
});
