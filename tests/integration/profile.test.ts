import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, loginTokens, outbox, payments, supporters } from "@db/schema";
import { action as authAction, loader as authLoader } from "~/routes/account.auth.$token";
import { action as profileAction, loader as profileLoader } from "~/routes/account.profile";
import { confirmEmailChange } from "~/supporters/profile.server";
import { giveGift, uniqueEmail } from "../factories";
import { signInAs } from "../support/supporter-session";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { openLinks } from "~/auth/link-seal.server";

const { t, fixtures } = useSeededDatabase();

async function supporterWithSession(overrides: Partial<Parameters<typeof giveGift>[1]> = {}) {
  const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Rosa Reader", ...overrides });
  return { ...gift, ...(await signInAs(t.db, gift.supporterId)) };
}

const supporterRow = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];
const post = (who: { cookie: string; csrf: string }, fields: Record<string, string>) =>
  postForm(profileAction, "/account/profile", { csrf: who.csrf, ...fields }, { cookie: who.cookie });
const ADDRESS = {
  line1: "1 Collins St",
  line2: "",
  city: "Melbourne",
  state: "VIC",
  postalCode: "3000",
  country: "au",
};

describe("the profile page", () => {
  it("shows only the signed-in supporter's details, and sends anyone else to sign in", async () => {
    const rosa = await supporterWithSession();
    const page = await callLoader(profileLoader, "/account/profile", { cookie: rosa.cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("Cache-Control")).toBe("private, no-store");
    expect((await page.json()).profile).toMatchObject({
      name: "Rosa Reader",
      email: rosa.checkout.email,
      anonymous: false,
      address: null,
    });

    const anonymous = await callLoader(profileLoader, "/account/profile");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe("/account/sign-in");
    expect((await postForm(profileAction, "/account/profile", { intent: "details", name: "Mallory" })).status).toBe(
      303,
    );
    expect((await supporterRow(rosa.supporterId)).name).toBe("Rosa Reader");
  });
});

describe("updating name and postal address", () => {
  // For the cases that must change nothing, one supporter does.
  let unchanged: Awaited<ReturnType<typeof supporterWithSession>>;
  beforeAll(async () => {
    unchanged = await supporterWithSession();
  });

  it("saves them, records which fields changed (not their values) and says so", async () => {
    const rosa = await supporterWithSession();
    const response = await post(rosa, { intent: "details", name: "Rosa R. Reader", ...ADDRESS });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account/profile?saved=details");
    expect(await supporterRow(rosa.supporterId)).toMatchObject({
      name: "Rosa R. Reader",
      addressLine1: "1 Collins St",
      addressLine2: null,
      addressCity: "Melbourne",
      addressState: "VIC",
      addressPostalCode: "3000",
      addressCountry: "AU",
    });
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "supporter.update_details"), eq(auditLog.targetId, String(rosa.supporterId))));
    expect(entry).toMatchObject({
      actorType: "supporter",
      actorId: rosa.supporterId,
      details: { fields: expect.arrayContaining(["name", "addressLine1", "addressCountry"]) },
    });
    expect(JSON.stringify(entry.details)).not.toMatch(/Collins|Rosa/);
    const page = await callLoader(profileLoader, "/account/profile?saved=details", { cookie: rosa.cookie });
    expect((await page.json()).notice).toEqual({ saved: "details" });
  });

  it.each([
    [{ line1: "1 Collins St" }, "city"],
    [{ ...ADDRESS, country: "Australia" }, "country"],
    [{ ...ADDRESS, postalCode: "" }, "postalCode"],
    [{ name: "x".repeat(201) }, "name"],
    [{ ...ADDRESS, line1: "y".repeat(201) }, "line1"],
  ])("re-renders %j with a message at %s, keeps what was typed and changes nothing", async (fields, field) => {
    const rosa = unchanged;
    const before = await supporterRow(rosa.supporterId);
    const response = await post(rosa, { intent: "details", name: "Typed Name", ...fields });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.intent).toBe("details");
    expect(body.errors[field]).toEqual(expect.any(String));
    for (const [key, value] of Object.entries({ name: "Typed Name", ...fields })) expect(body.values[key]).toBe(value);
    expect(await supporterRow(rosa.supporterId)).toEqual(before);
  });

  it("refuses a post without the CSRF token, or with an unknown intent", async () => {
    const rosa = unchanged;
    const noToken = await postForm(
      profileAction,
      "/account/profile",
      { intent: "details", name: "Changed" },
      { cookie: rosa.cookie },
    );
    expect(noToken.status).toBe(403);
    expect((await post(rosa, { intent: "delete-everyone", name: "Changed" })).status).toBe(400);
    expect((await supporterRow(rosa.supporterId)).name).toBe("Rosa Reader");
  });

  it("changes only the signed-in supporter, whatever ids the form carries", async () => {
    const rosa = await supporterWithSession();
    const other = await supporterWithSession({ name: "Other Person" });
    const response = await post(rosa, {
      intent: "details",
      name: "Renamed",
      supporterId: String(other.supporterId),
      id: String(other.supporterId),
    });
    expect(response.status).toBe(303);
    expect((await supporterRow(rosa.supporterId)).name).toBe("Renamed");
    expect((await supporterRow(other.supporterId)).name).toBe("Other Person");
  });

  it("keeps the postal address of a print supporter, who needs one", async () => {
    const plan = fixtures.plan("print-year");
    const pat = await supporterWithSession({
      kind: "tier_one_time",
      planId: plan.id,
      amountMinor: plan.amountMinor,
      address: { line1: "2 Smith St", city: "Fitzroy", postalCode: "3065", country: "AU" },
    });
    const response = await post(pat, { intent: "details", name: "Pat" });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.line1).toMatch(/postal address/);
    expect((await supporterRow(pat.supporterId)).addressLine1).toBe("2 Smith St");
  });
});

describe("changing email", () => {
  const changeMails = (to: string) =>
    t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, to), eq(outbox.template, "email-change-confirm")));
  const tokenOf = (url: string) => url.split("/account/auth/")[1];

  async function useLink(linkToken: string) {
    const page = await callLoader(authLoader, `/account/auth/${linkToken}`, { params: { token: linkToken } });
    const cookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
    const { csrf } = await page.json();
    return postForm(authAction, `/account/auth/${linkToken}`, { csrf }, { cookie, params: { token: linkToken } });
  }

  it("emails a 24-hour link to the new address and changes nothing until it is used", async () => {
    const rosa = await supporterWithSession();
    const newEmail = uniqueEmail("rosa.new");
    const response = await post(rosa, { intent: "email", email: newEmail });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account/profile?email=sent");
    expect((await supporterRow(rosa.supporterId)).email).toBe(rosa.checkout.email);
    const [mail] = await changeMails(newEmail);
    expect(openLinks(mail.props)).toMatchObject({
      newEmail,
      url: expect.stringMatching(/^http:\/\/localhost:3000\/account\/auth\/[\w-]+$/),
    });
    const [link] = await t.db
      .select()
      .from(loginTokens)
      .where(and(eq(loginTokens.supporterId, rosa.supporterId), eq(loginTokens.purpose, "email_change")));
    expect(link).toMatchObject({ newEmail, email: rosa.checkout.email.toLowerCase() });
    expect(link.expiresAt.getTime() - link.createdAt.getTime()).toBeGreaterThan(23.9 * 3600_000);

    // Using the link applies the change, signs in afresh and ends the other sessions.
    const used = await useLink(tokenOf(openLinks(mail.props as { url: string }).url));
    expect(used.status).toBe(303);
    expect(used.headers.get("Location")).toBe("/account/profile?email=changed");
    expect((await supporterRow(rosa.supporterId)).email).toBe(newEmail);
    expect((await callLoader(profileLoader, "/account/profile", { cookie: rosa.cookie })).status).toBe(303);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "supporter.change_email"), eq(auditLog.targetId, String(rosa.supporterId))));
    expect(JSON.stringify(audit.details)).not.toContain("@");
  });

  it("a newer request replaces a pending one", async () => {
    const rosa = await supporterWithSession();
    const first = uniqueEmail("first");
    await post(rosa, { intent: "email", email: first });
    await post(rosa, { intent: "email", email: uniqueEmail("second") });
    const [mail] = await changeMails(first);
    const stale = await useLink(tokenOf(openLinks(mail.props as { url: string }).url));
    expect(stale.status).toBe(410);
    expect((await supporterRow(rosa.supporterId)).email).toBe(rosa.checkout.email);
  });

  it("does not tell who owns an address, but never takes another supporter's", async () => {
    const rosa = await supporterWithSession();
    const other = await supporterWithSession();
    const theirs = other.checkout.email.toUpperCase();
    expect((await post(rosa, { intent: "email", email: theirs })).status).toBe(303);
    const [mail] = await changeMails(theirs);
    const used = await useLink(tokenOf(openLinks(mail.props as { url: string }).url));
    expect(used.status).toBe(409);
    expect((await supporterRow(rosa.supporterId)).email).toBe(rosa.checkout.email);
    expect(await confirmEmailChange(t.db, { supporterId: rosa.supporterId, newEmail: other.checkout.email })).toBe(
      "taken",
    );
  });

  it.each([
    ["not-an-email", /Enter an email address/],
    ["", /Enter an email address/],
  ])("rejects %j with a field message", async (email, message) => {
    const rosa = await supporterWithSession();
    const response = await post(rosa, { intent: "email", email });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors.email).toMatch(message);
    expect(body.values.email).toBe(email);
    expect(
      await t.db
        .select()
        .from(loginTokens)
        .where(and(eq(loginTokens.supporterId, rosa.supporterId), eq(loginTokens.purpose, "email_change"))),
    ).toHaveLength(0);
  });

  it("says so when the new address is the current one", async () => {
    const rosa = await supporterWithSession();
    const response = await post(rosa, { intent: "email", email: rosa.checkout.email.toUpperCase() });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.email).toMatch(/already your email/);
  });
});

describe("the anonymous preference", () => {
  const giftsOf = (supporterId: number) =>
    t.db.select({ anonymous: payments.anonymous }).from(payments).where(eq(payments.supporterId, supporterId));

  it("hides the name on past gifts and on later ones, and can be turned off again", async () => {
    const rosa = await supporterWithSession();
    expect((await post(rosa, { intent: "anonymous", anonymous: "on" })).headers.get("Location")).toBe(
      "/account/profile?saved=anonymous",
    );
    expect((await supporterRow(rosa.supporterId)).anonymous).toBe(true);
    expect(await giftsOf(rosa.supporterId)).toEqual([{ anonymous: true }]);

    // A later gift, the box left unticked, keeps to the preference.
    await giveGift(t.db, { campaignId: fixtures.campaign.id, email: rosa.checkout.email, anonymous: false });
    expect(await giftsOf(rosa.supporterId)).toEqual([{ anonymous: true }, { anonymous: true }]);
    expect((await supporterRow(rosa.supporterId)).anonymous).toBe(true);

    await post(rosa, { intent: "anonymous" });
    expect((await supporterRow(rosa.supporterId)).anonymous).toBe(false);
    expect(await giftsOf(rosa.supporterId)).toEqual([{ anonymous: false }, { anonymous: false }]);
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "supporter.set_anonymous"), eq(auditLog.targetId, String(rosa.supporterId))));
    expect(audits.map((a) => a.details)).toEqual([
      { anonymous: true, paymentsUpdated: 1 },
      { anonymous: false, paymentsUpdated: 2 },
    ]);
  });

  it("rejects a value other than a ticked box, changing nothing", async () => {
    const rosa = await supporterWithSession();
    expect((await post(rosa, { intent: "anonymous", anonymous: "yes please" })).status).toBe(400);
    expect((await supporterRow(rosa.supporterId)).anonymous).toBe(false);
  });
});
