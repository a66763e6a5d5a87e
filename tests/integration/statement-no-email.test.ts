import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { action as statementAction, loader as statementLoader } from "~/routes/account.statement";
import { currentFinancialYear } from "~/supporters/statement.server";
import { givePhoneOnlyCheque } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { signInAs } from "../support/supporter-session";

/**
 * A supporter with no email address (a phone caller, or one whose address staff removed) can
 * still read and print the statement; asking to email it says why it can't, and queues nothing.
 */

const { t, fixtures } = useSeededDatabase();
let staffUserId = 0;

beforeAll(async () => {
  staffUserId = await createStaffUser(t.db, {
    email: "statements@fund.example",
    name: "Statement Staff",
    role: "staff",
    password: "a-long-staff-password",
  });
});

describe("the annual statement for a supporter without an email address", () => {
  it("shows the statement, and asking to email it explains instead of claiming it was sent", async () => {
    const caller = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId,
      amountMinor: 3300,
    });
    const { cookie, csrf } = await signInAs(t.db, caller.supporterId);
    const year = String(currentFinancialYear(await getOrganisationSettings(t.db)));

    const page = await callLoader(statementLoader, `/account/statement?year=${year}`, { cookie });
    expect(page.status).toBe(200);
    const { statement } = await page.json();
    expect(statement.email).toBeNull();
    expect(statement.payments).toHaveLength(1);

    const outboxBefore = (await t.db.select({ id: outbox.id }).from(outbox)).length;
    const response = await postForm(statementAction, "/account/statement", { csrf, year }, { cookie });
    expect(response.status).toBe(409);
    expect(response.headers.get("Location")).toBeNull();
    const body = await response.json();
    expect(body.formError).toMatch(/don't have an email address/);
    expect(body.formError).toMatch(/print/);
    expect((await t.db.select({ id: outbox.id }).from(outbox)).length).toBe(outboxBefore);
    expect(await t.db.select().from(outbox).where(eq(outbox.template, "annual-statement"))).toHaveLength(0);
  });
});
