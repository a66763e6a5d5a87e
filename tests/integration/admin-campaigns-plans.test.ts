import { randomUUID } from "node:crypto";
import { setupServer } from "msw/node";
import { and, count, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaignCurrencies, campaigns, checkouts, planPrices, plans, subscriptions } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { listActivePlans } from "~/campaigns/campaigns.server";
import { planInLanguage } from "~/campaigns/plan-text";
import { activeLocale } from "~/i18n/active";
import { withRequestLocale } from "~/i18n/request-locale.server";
import { resetEnvCache } from "~/env.server";
import { startTierCheckout } from "~/giving/checkout.server";
import { findPriceByLookupKey, syncPlanToStripe } from "~/payments/stripe.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { loader as layoutLoader } from "~/routes/admin";
import { action as editCampaign, loader as editCampaignPage } from "~/routes/admin.campaigns.$id";
import { loader as campaignList } from "~/routes/admin.campaigns._index";
import { action as newCampaign } from "~/routes/admin.campaigns.new";
import { action as editPlan, loader as editPlanPage } from "~/routes/admin.plans.$id";
import { action as newPlan } from "~/routes/admin.plans.new";
import { giveGift, uniqueEmail } from "../factories";
import { createStripeMock } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
type Browser = { cookie: string; csrf: string };
const browsers = {} as Record<"staff" | "admin", Browser>;

/** A staff member signed in, holding the CSRF cookie and token the admin frame hands out. */
async function signedIn(role: "staff" | "admin"): Promise<Browser> {
  const email = `${role}.${randomUUID().slice(0, 8)}@fund.example`;
  await createStaffUser(t.db, { email, name: `A ${role}`, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.40" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const frame = await callLoader(layoutLoader, "/admin", { cookie: staffCookie });
  const csrfCookie = (frame.headers.get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${staffCookie}; ${csrfCookie}`, csrf: ((await frame.json()) as { csrf: string }).csrf };
}

beforeAll(async () => {
  browsers.admin = await signedIn("admin");
  browsers.staff = await signedIn("staff");
});

type Action = Parameters<typeof postForm>[0];
type Loader = Parameters<typeof callLoader>[0];
const post = (
  action: Action,
  path: string,
  fields: Record<string, string>,
  who: Browser = browsers.admin,
  params: Record<string, string> = {},
) => postForm(action, path, { csrf: who.csrf, ...fields }, { cookie: who.cookie, params });

async function pageData<T>(
  loader: Loader,
  path: string,
  params: Record<string, string>,
  who: Browser = browsers.admin,
): Promise<T> {
  const response = await callLoader(loader, path, { cookie: who.cookie, params });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const n = async (table: typeof campaigns | typeof plans | typeof auditLog | typeof checkouts) =>
  (await t.db.select({ n: count() }).from(table))[0].n;
const campaignRow = async (id: number) => (await t.db.select().from(campaigns).where(eq(campaigns.id, id)))[0];
const planRow = async (id: number) => (await t.db.select().from(plans).where(eq(plans.id, id)))[0];
const auditFor = (action: string, targetId: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, String(targetId))));

let slugCounter = 0;
function campaignForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  slugCounter += 1;
  const fields: Record<string, string | undefined> = {
    name: "Printing press appeal",
    slug: `printing-press-${slugCounter}`,
    headline: "Help us buy a press",
    description: "Our old press is failing.",
    currency: "AUD",
    target: "12345.67",
    minGift: "5",
    maxGift: "5000",
    presetAmounts: "10, 25.50, 100",
    phone: "03 9000 1111",
    startsOn: "2026-03-01",
    endsOn: "2026-03-31",
    ...overrides,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

type EditCampaignData = {
  campaign: { id: number; isDefault: boolean; currencyLocked: boolean; values: Record<string, string> };
};
const loadCampaign = (id: number, who?: Browser) =>
  pageData<EditCampaignData>(editCampaignPage, `/admin/campaigns/${id}`, { id: String(id) }, who);
const saveCampaign = (id: number, fields: Record<string, string>, who?: Browser) =>
  post(editCampaign, `/admin/campaigns/${id}`, fields, who, { id: String(id) });

async function createdCampaign(overrides: Record<string, string | undefined> = {}) {
  const form = campaignForm(overrides);
  const response = await post(newCampaign, "/admin/campaigns/new", form);
  expect(response.status).toBe(303);
  const [row] = await t.db.select().from(campaigns).where(eq(campaigns.slug, form.slug));
  return row;
}

describe("creating a campaign", () => {
  it("stores typed decimals exactly in minor units and dates as whole days in the organisation's zone, with an audit entry", async () => {
    const form = campaignForm();
    const response = await post(newCampaign, "/admin/campaigns/new", form);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/campaigns?done=created");

    const [row] = await t.db.select().from(campaigns).where(eq(campaigns.slug, form.slug));
    expect(row).toMatchObject({
      currency: "AUD",
      targetMinor: 1_234_567,
      minGiftMinor: 500,
      maxGiftMinor: 500_000,
      presetAmountsMinor: [1000, 2550, 10000],
      phone: "03 9000 1111",
      isDefault: false,
    });
    // Melbourne is on daylight time (UTC+11) in March 2026: the campaign runs from its first to its last minute.
    expect(row.startsAt.toISOString()).toBe("2026-02-28T13:00:00.000Z");
    expect(row.endsAt!.toISOString()).toBe("2026-03-31T12:59:59.000Z");
    expect(await auditFor("campaign.create", row.id)).toHaveLength(1);

    const list = await callLoader(campaignList, "/admin/campaigns", { cookie: browsers.staff.cookie });
    const body = (await list.json()) as {
      isAdmin: boolean;
      campaigns: { slug: string; isDefault: boolean; target: string; raised: string }[];
    };
    expect(body.isAdmin).toBe(false);
    expect(body.campaigns.find((c) => c.slug === form.slug)).toMatchObject({
      isDefault: false,
      target: "$12,345.67",
      raised: "$0",
    });
    expect(body.campaigns[0]).toMatchObject({ slug: fixtures.campaign.slug, isDefault: true });
  });

  it("answers mistakes with field errors, keeps what was typed and writes nothing", async () => {
    const before = { campaigns: await n(campaigns), audit: await n(auditLog) };
    const form = campaignForm({
      slug: "Not a slug!",
      target: "100.005",
      minGift: "50",
      maxGift: "20",
      presetAmounts: "10, ten",
      startsOn: "2026-05-01",
      endsOn: "2026-04-30",
    });
    const response = await post(newCampaign, "/admin/campaigns/new", form);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Record<string, string>; values: Record<string, string> };
    expect(Object.keys(body.errors).sort()).toEqual(["endsOn", "maxGift", "presetAmounts", "slug", "target"]);
    expect(body.errors.maxGift).toMatch(/at least the smallest gift/);
    expect(body.values).toMatchObject({
      slug: "Not a slug!",
      target: "100.005",
      presetAmounts: "10, ten",
      endsOn: "2026-04-30",
      name: "Printing press appeal",
    });
    expect({ campaigns: await n(campaigns), audit: await n(auditLog) }).toEqual(before);
  });

  it("refuses suggested amounts outside the gift limits", async () => {
    const response = await post(newCampaign, "/admin/campaigns/new", campaignForm({ presetAmounts: "2, 25" }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Record<string, string> }).errors).toEqual({
      presetAmounts: expect.stringMatching(/below the smallest gift/),
    });
  });

  it("takes other currencies with their own suggested amounts, edited on the same form (ADR 050)", async () => {
    const created = await createdCampaign({ presetsEUR: "5, 10, 20", presetsGBP: "" });
    const stored = await t.db.select().from(campaignCurrencies).where(eq(campaignCurrencies.campaignId, created.id));
    expect(stored).toEqual([{ campaignId: created.id, currency: "EUR", presetAmountsMinor: [500, 1000, 2000] }]);
    const loaded = await loadCampaign(created.id);
    expect(loaded.campaign.values.presetsEUR).toBe("5, 10, 20");
    // A wrong amount in one currency: a field error, and nothing saved.
    const refused = await saveCampaign(created.id, { ...loaded.campaign.values, presetsGBP: "2, 3.555" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: Record<string, string> }).errors.presetsGBP).toBeTruthy();
    // Emptying EUR and filling GBP: the campaign takes GBP instead.
    const saved = await saveCampaign(created.id, { ...loaded.campaign.values, presetsEUR: "", presetsGBP: "8, 16" });
    expect(saved.status).toBe(303);
    expect(await t.db.select().from(campaignCurrencies).where(eq(campaignCurrencies.campaignId, created.id))).toEqual([
      { campaignId: created.id, currency: "GBP", presetAmountsMinor: [800, 1600] },
    ]);
  });

  it("keeps the campaign's language, English unless staff choose another, edited on the same form (ADR 049)", async () => {
    const created = await createdCampaign({});
    expect((await campaignRow(created.id))?.locale).toBe("en");
    const loaded = await loadCampaign(created.id);
    expect(loaded.campaign.values.locale).toBe("en");
    const refused = await saveCampaign(created.id, { ...loaded.campaign.values, locale: "de" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: Record<string, string> }).errors.locale).toBe("Choose a language.");
    const saved = await saveCampaign(created.id, { ...loaded.campaign.values, locale: "ru" });
    expect(saved.status).toBe(303);
    expect((await campaignRow(created.id))?.locale).toBe("ru");
    expect((await loadCampaign(created.id)).campaign.values.locale).toBe("ru");
  });

  it("a web address already in use is a field error, not a failure, on create and on edit", async () => {
    const before = { campaigns: await n(campaigns), audit: await n(auditLog) };
    const clash = await post(newCampaign, "/admin/campaigns/new", campaignForm({ slug: "defence-fund" }));
    expect(clash.status).toBe(400);
    expect(((await clash.json()) as { errors: Record<string, string> }).errors.slug).toMatch(
      /already uses this web address/,
    );
    expect({ campaigns: await n(campaigns), audit: await n(auditLog) }).toEqual(before);

    const mine = await createdCampaign();
    const { campaign } = await loadCampaign(mine.id);
    const edit = await saveCampaign(mine.id, { ...campaign.values, slug: "defence-fund" });
    expect(edit.status).toBe(400);
    expect(((await edit.json()) as { errors: Record<string, string> }).errors.slug).toMatch(
      /already uses this web address/,
    );
    expect((await campaignRow(mine.id)).slug).toBe(mine.slug);
  });
});

describe("editing a campaign", () => {
  it("saves the form as loaded without moving its dates, and saves changes", async () => {
    const mine = await createdCampaign();
    const { campaign } = await loadCampaign(mine.id);
    expect(campaign.values).toMatchObject({
      target: "12345.67",
      presetAmounts: "10, 25.50, 100",
      startsOn: "2026-03-01",
      endsOn: "2026-03-31",
    });
    const response = await saveCampaign(mine.id, {
      ...campaign.values,
      name: "New press appeal",
      target: "20000",
      endsOn: "",
    });
    expect(response.status).toBe(303);
    const row = await campaignRow(mine.id);
    expect(row).toMatchObject({
      name: "New press appeal",
      targetMinor: 2_000_000,
      endsAt: null,
      startsAt: mine.startsAt,
    });
    const [entry] = await auditFor("campaign.update", mine.id);
    expect(entry.details).toMatchObject({
      changed: expect.arrayContaining(["name", "targetMinor", "endsAt"]),
      targetMinor: { from: 1_234_567, to: 2_000_000 },
    });
  });

  it("making a campaign the default unsets the previous default in the same save; the default cannot just be unticked", async () => {
    const [defence] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    const { campaign } = await loadCampaign(defence.id);
    const response = await saveCampaign(defence.id, { ...campaign.values, isDefault: "on" });
    expect(response.status).toBe(303);
    const defaults = await t.db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.isDefault, true));
    expect(defaults).toEqual([{ id: defence.id }]);
    const [entry] = await auditFor("campaign.update", defence.id);
    expect(entry.details).toMatchObject({ previousDefaultId: fixtures.campaign.id });

    // Unticking the default is refused: another campaign has to take over.
    const unticked = await saveCampaign(
      defence.id,
      (({ isDefault: _, ...rest }) => rest)((await loadCampaign(defence.id)).campaign.values),
    );
    expect(unticked.status).toBe(400);
    expect(((await unticked.json()) as { errors: Record<string, string> }).errors.isDefault).toMatch(
      /always be a default campaign/,
    );

    // And back, so the rest of the file runs against the demo's default campaign.
    const back = await saveCampaign(fixtures.campaign.id, {
      ...(await loadCampaign(fixtures.campaign.id)).campaign.values,
      isDefault: "on",
    });
    expect(back.status).toBe(303);
    expect((await campaignRow(defence.id)).isDefault).toBe(false);
    expect((await campaignRow(fixtures.campaign.id)).isDefault).toBe(true);
  });

  it("keeps the currency once the campaign has gifts, and says so at the field", async () => {
    await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 2500 });
    const { campaign } = await loadCampaign(fixtures.campaign.id);
    expect(campaign.currencyLocked).toBe(true);
    const auditBefore = await n(auditLog);
    const response = await saveCampaign(fixtures.campaign.id, { ...campaign.values, currency: "NZD" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Record<string, string> }).errors.currency).toMatch(
      /already has gifts in AUD/,
    );
    expect((await campaignRow(fixtures.campaign.id)).currency).toBe("AUD");
    expect(await n(auditLog)).toBe(auditBefore);

    // A campaign nobody has given to yet may still change its currency.
    const fresh = await createdCampaign();
    const loaded = await loadCampaign(fresh.id);
    expect(loaded.campaign.currencyLocked).toBe(false);
    expect((await saveCampaign(fresh.id, { ...loaded.campaign.values, currency: "NZD" })).status).toBe(303);
    expect((await campaignRow(fresh.id)).currency).toBe("NZD");
  });

  it("refuses to make a campaign the default in a currency the supporter tiers are not priced in", async () => {
    const nzd = await createdCampaign({ currency: "NZD" });
    const { campaign } = await loadCampaign(nzd.id);
    const response = await saveCampaign(nzd.id, { ...campaign.values, isDefault: "on" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Record<string, string> }).errors.currency).toMatch(/priced in AUD/);
    expect((await campaignRow(fixtures.campaign.id)).isDefault).toBe(true);
  });

  it("refuses the second of two concurrent edits and keeps the first", async () => {
    const mine = await createdCampaign();
    const first = await loadCampaign(mine.id);
    const second = await loadCampaign(mine.id);
    expect((await saveCampaign(mine.id, { ...first.campaign.values, name: "First editor's name" })).status).toBe(303);
    const auditBefore = await n(auditLog);
    const late = await saveCampaign(mine.id, {
      ...second.campaign.values,
      name: "Second editor's name",
      headline: "Typed by the second",
    });
    expect(late.status).toBe(409);
    const body = (await late.json()) as { formError: string; values: Record<string, string> };
    expect(body.formError).toMatch(/Someone else changed this campaign/);
    expect(body.values.headline).toBe("Typed by the second");
    expect((await campaignRow(mine.id)).name).toBe("First editor's name");
    expect(await n(auditLog)).toBe(auditBefore);
  });

  it("is for administrators only: staff are refused and nothing changes", async () => {
    const before = { campaigns: await n(campaigns), audit: await n(auditLog) };
    expect((await post(newCampaign, "/admin/campaigns/new", campaignForm(), browsers.staff)).status).toBe(403);
    const { campaign } = await loadCampaign(fixtures.campaign.id);
    expect(
      (await saveCampaign(fixtures.campaign.id, { ...campaign.values, name: "Staff rename" }, browsers.staff)).status,
    ).toBe(403);
    expect(
      (
        await callLoader(editCampaignPage, `/admin/campaigns/${fixtures.campaign.id}`, {
          cookie: browsers.staff.cookie,
          params: { id: String(fixtures.campaign.id) },
        })
      ).status,
    ).toBe(403);
    expect({ campaigns: await n(campaigns), audit: await n(auditLog) }).toEqual(before);
    expect((await campaignRow(fixtures.campaign.id)).name).toBe(fixtures.campaign.name);
  });

  it("refuses a form without the CSRF token", async () => {
    const { campaign } = await loadCampaign(fixtures.campaign.id);
    const response = await postForm(
      editCampaign,
      `/admin/campaigns/${fixtures.campaign.id}`,
      { ...campaign.values, name: "Forged" },
      { cookie: browsers.admin.cookie, params: { id: String(fixtures.campaign.id) } },
    );
    expect(response.status).toBe(403);
    expect((await campaignRow(fixtures.campaign.id)).name).toBe(fixtures.campaign.name);
  });
});

// ---------------------------------------------------------------------------------------------
// Plans

type EditPlanData = {
  plan: { id: number; currentSupporters: number; locked: boolean; stripe: boolean; values: Record<string, string> };
};
const loadPlan = (id: number) => pageData<EditPlanData>(editPlanPage, `/admin/plans/${id}`, { id: String(id) });
const savePlan = (id: number, fields: Record<string, string>, who?: Browser) =>
  post(editPlan, `/admin/plans/${id}`, fields, who, { id: String(id) });

/** A new tier checkout, as the support page would start it, with the plan as it is now. */
async function newTierCheckout(planId: number) {
  const plan = await planRow(planId);
  const { checkoutId } = await startTierCheckout(t.db, {
    campaign: fixtures.campaign,
    choice: { plan, name: "New Reader", email: uniqueEmail("new") },
  });
  return (await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId)))[0];
}

describe("plans", () => {
  it("an admin creates a plan; benefits are one per line and the price is exact", async () => {
    const response = await post(newPlan, "/admin/plans/new", {
      code: "zine-monthly",
      name: "Zine supporter",
      description: "The monthly zine.",
      benefits: "The zine, monthly\r\n\r\n  Supporter newsletter  \n",
      price: "3.50",
      currency: "AUD",
      tier: "digital",
      billing: "monthly",
      active: "on",
      sortOrder: "9",
    });
    expect(response.status).toBe(303);
    const [row] = await t.db.select().from(plans).where(eq(plans.code, "zine-monthly"));
    expect(row).toMatchObject({
      amountMinor: 350,
      benefits: ["The zine, monthly", "Supporter newsletter"],
      lookupKey: "ff_zine_monthly_aud",
      active: true,
      sortOrder: 9,
    });
    expect(await auditFor("plan.create", row.id)).toHaveLength(1);

    const clash = await post(newPlan, "/admin/plans/new", {
      code: "zine-monthly",
      name: "Again",
      price: "3",
      currency: "AUD",
      tier: "digital",
      billing: "monthly",
    });
    expect(clash.status).toBe(400);
    expect(((await clash.json()) as { errors: Record<string, string> }).errors.code).toMatch(/already uses this code/);
  });

  it("keeps a plan's prices in other currencies, edited on its form (ADR 050)", async () => {
    const created = await post(newPlan, "/admin/plans/new", {
      code: "zine-abroad",
      name: "Zine supporter abroad",
      price: "3.50",
      currency: "AUD",
      tier: "digital",
      billing: "monthly",
      sortOrder: "10",
    });
    expect(created.status).toBe(303);
    const [zine] = await t.db.select().from(plans).where(eq(plans.code, "zine-abroad"));
    const { plan } = await loadPlan(zine.id);
    const saved = await savePlan(zine.id, { ...plan.values, priceEUR: "2.50", priceUSD: "2.75" });
    expect(saved.status).toBe(303);
    expect(
      await t.db.select().from(planPrices).where(eq(planPrices.planId, zine.id)).orderBy(planPrices.currency),
    ).toEqual([
      { planId: zine.id, currency: "EUR", amountMinor: 250 },
      { planId: zine.id, currency: "USD", amountMinor: 275 },
    ]);
    const again = await loadPlan(zine.id);
    expect(again.plan.values).toMatchObject({ priceEUR: "2.50", priceUSD: "2.75" });
    const refused = await savePlan(zine.id, { ...again.plan.values, priceUSD: "2.755" });
    expect(refused.status).toBe(400);
    expect(await t.db.select().from(planPrices).where(eq(planPrices.planId, zine.id))).toHaveLength(2);
  });

  it("keeps a plan's words in Russian, shown to readers in Russian only (ADR 049)", async () => {
    const created = await post(newPlan, "/admin/plans/new", {
      code: "zine-ru",
      name: "Zine supporter",
      description: "The zine, monthly.",
      benefits: "The zine",
      price: "4.00",
      currency: "AUD",
      tier: "digital",
      billing: "monthly",
      sortOrder: "11",
    });
    expect(created.status).toBe(303);
    const [zine] = await t.db.select().from(plans).where(eq(plans.code, "zine-ru"));
    const { plan } = await loadPlan(zine!.id);
    // A Russian description without a Russian name is refused at the name, and nothing changes.
    const refused = await savePlan(zine!.id, { ...plan.values, descriptionRu: "Журнал каждый месяц." });
    expect(refused.status).toBe(400);
    expect((await t.db.select().from(plans).where(eq(plans.id, zine!.id)))[0]?.translations).toEqual({});
    const saved = await savePlan(zine!.id, {
      ...plan.values,
      nameRu: "Журнальная подписка",
      descriptionRu: "Журнал каждый месяц.",
      benefitsRu: "Журнал\n\nРассылка",
    });
    expect(saved.status).toBe(303);
    const [stored] = await t.db.select().from(plans).where(eq(plans.id, zine!.id));
    expect(stored?.translations).toEqual({
      ru: { name: "Журнальная подписка", description: "Журнал каждый месяц.", benefits: ["Журнал", "Рассылка"] },
    });
    expect((await loadPlan(zine!.id)).plan.values).toMatchObject({ nameRu: "Журнальная подписка" });
    // Readers: in Russian the Russian words, in English the plan's own.
    const inRussian = withRequestLocale("ru", () => planInLanguage(stored!, activeLocale()));
    expect(inRussian).toMatchObject({ name: "Журнальная подписка", benefits: ["Журнал", "Рассылка"] });
    expect(withRequestLocale("en", () => planInLanguage(stored!, activeLocale())).name).toBe("Zine supporter");
  });

  it("a price change with nobody on the plan needs no confirmation", async () => {
    const [zine] = await t.db.select().from(plans).where(eq(plans.code, "zine-monthly"));
    const { plan } = await loadPlan(zine.id);
    expect(plan.currentSupporters).toBe(0);
    const response = await savePlan(zine.id, { ...plan.values, price: "4" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/plans?done=price&kept=0");
    expect((await planRow(zine.id)).amountMinor).toBe(400);
    const [entry] = await auditFor("plan.update", zine.id);
    expect(entry.details).toMatchObject({ amountMinor: { from: 350, to: 400 }, stripe: null });
  });

  it("a price change with supporters on the plan needs the box ticked; they keep their price and new checkouts pay the new one", async () => {
    const digital = fixtures.plan("digital-monthly");
    const existing = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      planId: digital.id,
      kind: "tier_monthly",
      amountMinor: digital.amountMinor,
    });
    const { plan } = await loadPlan(digital.id);
    expect(plan.currentSupporters).toBe(1);

    const auditBefore = await n(auditLog);
    const unconfirmed = await savePlan(digital.id, { ...plan.values, price: "7" });
    expect(unconfirmed.status).toBe(400);
    const body = (await unconfirmed.json()) as { errors: Record<string, string>; values: Record<string, string> };
    expect(body.errors.confirmPriceChange).toMatch(/1 current supporter keeps \$5\.00/);
    expect(body.values.price).toBe("7");
    expect((await planRow(digital.id)).amountMinor).toBe(500);
    expect(await n(auditLog)).toBe(auditBefore);

    const confirmed = await savePlan(digital.id, { ...plan.values, price: "7", confirmPriceChange: "on" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("Location")).toBe("/admin/plans?done=price&kept=1");
    expect((await planRow(digital.id)).amountMinor).toBe(700);

    const [kept] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, existing.payment.subscriptionId!));
    expect(kept).toMatchObject({ amountMinor: 500, status: "active", planId: digital.id });

    const checkout = await newTierCheckout(digital.id);
    expect(checkout.amountMinor).toBe(700);
    await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
    const onPlan = await t.db
      .select({ amountMinor: subscriptions.amountMinor })
      .from(subscriptions)
      .where(eq(subscriptions.planId, digital.id));
    expect(onPlan.map((s) => s.amountMinor).sort()).toEqual([500, 700]);
  });

  it("fixes tier, billing and currency once supporters have chosen the plan", async () => {
    const digital = fixtures.plan("digital-monthly");
    const { plan } = await loadPlan(digital.id);
    expect(plan.locked).toBe(true);
    const response = await savePlan(digital.id, {
      ...plan.values,
      tier: "print",
      billing: "one_time_year",
      currency: "NZD",
    });
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: Record<string, string> };
    expect(Object.keys(errors).sort()).toEqual(["billing", "currency", "tier"]);
    expect(await planRow(digital.id)).toMatchObject({ tier: "digital", billing: "monthly", currency: "AUD" });
  });

  it("taking a plan off the support page hides it and cancels nobody", async () => {
    const print = fixtures.plan("print-monthly");
    const subscriber = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      planId: print.id,
      kind: "tier_monthly",
      amountMinor: print.amountMinor,
      address: { line1: "1 Press St", line2: null, city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" },
    });
    const { plan } = await loadPlan(print.id);
    const { active: _, ...inactive } = plan.values;
    expect((await savePlan(print.id, inactive)).status).toBe(303);
    expect((await listActivePlans(t.db)).map((p) => p.code)).not.toContain("print-monthly");
    const [sub] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, subscriber.payment.subscriptionId!));
    expect(sub).toMatchObject({ status: "active", cancelAtPeriodEnd: false, amountMinor: print.amountMinor });

    const again = await loadPlan(print.id);
    expect((await savePlan(print.id, { ...again.plan.values, active: "on" })).status).toBe(303);
    expect((await listActivePlans(t.db)).map((p) => p.code)).toContain("print-monthly");
  });

  it("refuses the second of two concurrent plan edits", async () => {
    const year = fixtures.plan("digital-year");
    const first = await loadPlan(year.id);
    const second = await loadPlan(year.id);
    expect((await savePlan(year.id, { ...first.plan.values, name: "Digital — a year" })).status).toBe(303);
    const late = await savePlan(year.id, { ...second.plan.values, name: "Digital, 12 months" });
    expect(late.status).toBe(409);
    expect((await planRow(year.id)).name).toBe("Digital — a year");
  });

  it("keeps prices from staff: pages and saves are refused", async () => {
    const digital = fixtures.plan("digital-monthly");
    const { plan } = await loadPlan(digital.id);
    expect(
      (
        await callLoader(editPlanPage, `/admin/plans/${digital.id}`, {
          cookie: browsers.staff.cookie,
          params: { id: String(digital.id) },
        })
      ).status,
    ).toBe(403);
    expect(
      (await savePlan(digital.id, { ...plan.values, price: "1", confirmPriceChange: "on" }, browsers.staff)).status,
    ).toBe(403);
    expect(
      (
        await post(
          newPlan,
          "/admin/plans/new",
          { code: "staff-plan", name: "Staff", price: "1", currency: "AUD", tier: "digital", billing: "monthly" },
          browsers.staff,
        )
      ).status,
    ).toBe(403);
    expect((await planRow(digital.id)).amountMinor).toBe(700);
    expect(await t.db.select().from(plans).where(eq(plans.code, "staff-plan"))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// With Stripe: checkout finds a tier's Price by lookup key, so a new price must reach Stripe.

describe("plan prices with Stripe", () => {
  const stripe = createStripeMock();
  const server = setupServer(...stripe.handlers);
  beforeAll(() => {
    process.env.STRIPE_SECRET_KEY = "sk_test_51FightingFundPlanTests";
    process.env.STRIPE_WEBHOOK_SECRET = "whsec_fighting_fund_plan_tests";
    resetEnvCache();
    server.listen({ onUnhandledRequest: "error" });
  });
  afterEach(() => stripe.clearRequests());
  afterAll(() => {
    server.close();
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvCache();
  });

  it("moves the lookup key to a new Price, so new checkouts pay the new price; existing subscriptions are not touched", async () => {
    const print = await planRow(fixtures.plan("print-monthly").id);
    await syncPlanToStripe(print);
    const old = await findPriceByLookupKey(print.lookupKey);
    stripe.clearRequests();

    const { plan } = await loadPlan(print.id);
    expect(plan).toMatchObject({ stripe: true, currentSupporters: 1 });
    const response = await savePlan(print.id, { ...plan.values, price: "12.50", confirmPriceChange: "on" });
    expect(response.status).toBe(303);
    expect((await planRow(print.id)).amountMinor).toBe(1250);

    expect(stripe.writes().every((w) => w.path.startsWith("/v1/prices") || w.path.startsWith("/v1/products"))).toBe(
      true,
    );
    const current = await findPriceByLookupKey(print.lookupKey);
    expect(current).toMatchObject({ unit_amount: 1250, currency: "aud", active: true });
    expect(current!.id).not.toBe(old!.id);
    expect(stripe.store.prices.get(old!.id)).toMatchObject({ active: false });
    const [entry] = await auditFor("plan.update", print.id).then((rows) => rows.slice(-1));
    expect(entry.details).toMatchObject({ amountMinor: { from: 1000, to: 1250 }, stripe: "updated" });

    stripe.clearRequests();
    const checkout = await newTierCheckout(print.id);
    expect(checkout.amountMinor).toBe(1250);
    const [session] = stripe.requestsTo("POST", "/v1/checkout/sessions");
    expect(session.params).toMatchObject({ line_items: [{ price: current!.id }] });

    const onPlan = await t.db
      .select({ amountMinor: subscriptions.amountMinor })
      .from(subscriptions)
      .where(eq(subscriptions.planId, print.id));
    expect(onPlan.map((s) => s.amountMinor)).toEqual([1000]);
  });

  it("when Stripe refuses, says so and leaves the plan as it was", async () => {
    const print = await planRow(fixtures.plan("print-monthly").id);
    const before = await findPriceByLookupKey(print.lookupKey);
    const auditBefore = await n(auditLog);
    const { plan } = await loadPlan(print.id);
    stripe.failNextRequest({ status: 500 });
    const response = await savePlan(print.id, { ...plan.values, price: "15", confirmPriceChange: "on" });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { formError: string; values: Record<string, string> };
    expect(body.formError).toMatch(/Stripe didn't accept the change, so nothing was saved/);
    expect(body.values.price).toBe("15");
    expect((await planRow(print.id)).amountMinor).toBe(1250);
    expect(await n(auditLog)).toBe(auditBefore);
    expect((await findPriceByLookupKey(print.lookupKey))!.id).toBe(before!.id);
  });

  it("a change Stripe does not price (the description) sends Stripe nothing", async () => {
    const print = await planRow(fixtures.plan("print-monthly").id);
    const { plan } = await loadPlan(print.id);
    expect((await savePlan(print.id, { ...plan.values, description: "Posted weekly, plus digital." })).status).toBe(
      303,
    );
    expect(stripe.requests).toEqual([]);
  });
});
