// ADR 040: after a one-off gift the thank-you page offers to make it monthly in
// one step (same amount, same details, same choice about card fees) — only in the browser that
// gave; anyone else with the link gets the campaign's form with monthly and the amount chosen.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { campaignCurrencies, campaigns, checkouts, settings } from "@db/schema";
import { estimateCardFee } from "~/money";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { loader as campaignLoader } from "~/routes/c.$slug";
import { action as thanksAction, loader as thanksLoader } from "~/routes/thanks";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

const { t } = useSeededDatabase();

let address = 0;
async function give(fields: Record<string, string>, outcome: "pay" | "decline" = "pay") {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  const email = uniqueEmail();
  const response = await postForm(
    indexAction,
    "/?index",
    { csrf: token, currency: "AUD", frequency: "once", amount: "2500", email, name: "Mo Monthly", ...fields },
    { cookie, clientAddress: `192.0.2.${++address}` },
  );
  expect(response.status).toBe(303);
  const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
  await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome });
  return {
    checkout,
    csrfCookie: cookie,
    cookies: `${cookie}; ${(response.headers.get("Set-Cookie") ?? "").split(";")[0]}`,
  };
}

type ThanksData = {
  afterGift: {
    amountMinor: number;
    monthlyTotalMinor: number;
    oneStep: boolean;
    monthlyPath: string;
    campaignUrl: string;
  } | null;
  csrf: string | null;
};
async function thanks(ref: string, cookie: string) {
  return (await (await callLoader(thanksLoader, `/thanks?ref=${ref}`, { cookie })).json()) as ThanksData;
}

describe("make it monthly, after a one-off gift", () => {
  it("one press starts a monthly checkout for the same amount, details and card-fee choice", async () => {
    const { checkout, cookies } = await give({ coverFees: "on", anonymous: "on" });
    const [s] = await t.db.select().from(settings);
    const fee = estimateCardFee(2500, { percentBps: s.feePercentBps, fixedMinor: s.feeFixedMinor });
    const data = await thanks(checkout.id, cookies);
    expect(data.afterGift).toMatchObject({
      amountMinor: 2500,
      monthlyTotalMinor: 2500 + fee,
      oneStep: true,
      campaignUrl: "http://localhost:3000/c/fighting-fund-2026",
    });
    const response = await postForm(
      thanksAction,
      `/thanks?ref=${checkout.id}`,
      { csrf: data.csrf!, ref: checkout.id },
      { cookie: cookies, clientAddress: "192.0.2.200" },
    );
    expect(response.status).toBe(303);
    const location = response.headers.get("Location") ?? "";
    const monthlyId = /\/simulated-checkout\/([0-9a-f-]{36})$/.exec(location)?.[1];
    expect(monthlyId).toBeDefined();
    const [monthly] = await t.db.select().from(checkouts).where(eq(checkouts.id, monthlyId!));
    expect(monthly).toMatchObject({
      kind: "monthly",
      amountMinor: 2500,
      feeCoverMinor: fee,
      email: checkout.email,
      name: "Mo Monthly",
      anonymous: true,
      status: "open",
      campaignId: checkout.campaignId,
    });
    // The new checkout is this browser's too: a decline there brings it back filled in.
    expect(response.headers.get("Set-Cookie")).toMatch(/^ff_gift=/);
  });

  it("another browser with the link: no one-step form, a link to the form with monthly and the amount chosen, and a post is refused", async () => {
    const { checkout } = await give({});
    const { cookie: otherCookie, token } = await csrfFor(indexLoader, "/");
    const data = await thanks(checkout.id, otherCookie);
    expect(data.afterGift).toMatchObject({
      oneStep: false,
      monthlyPath: "/c/fighting-fund-2026?frequency=monthly&amount=2500&currency=AUD",
    });
    expect(data.csrf).toBeNull();
    const before = (await t.db.select().from(checkouts)).length;
    const response = await postForm(
      thanksAction,
      `/thanks?ref=${checkout.id}`,
      { csrf: token, ref: checkout.id },
      { cookie: otherCookie, clientAddress: "192.0.2.201" },
    );
    expect(response.status).toBe(400);
    expect((await t.db.select().from(checkouts)).length).toBe(before);
    const form = (await (
      await callLoader(campaignLoader, "/c/fighting-fund-2026?frequency=monthly&amount=2500", {
        params: { slug: "fighting-fund-2026" },
      })
    ).json()) as { choice: unknown; retry: unknown };
    expect(form).toMatchObject({ choice: { frequency: "monthly", amount: "2500" }, retry: null });
  });

  it("a gift in another currency: the link for another browser opens the form in that currency, amount chosen (ADR 050)", async () => {
    const campaignId = (await t.db.select().from(campaigns).where(eq(campaigns.slug, "fighting-fund-2026")))[0]!.id;
    await t.db.insert(campaignCurrencies).values({ campaignId, currency: "EUR", presetAmountsMinor: [1500, 3000] });
    try {
      const { checkout } = await give({ currency: "EUR", amount: "1500" });
      const { cookie: otherCookie } = await csrfFor(indexLoader, "/");
      const data = await thanks(checkout.id, otherCookie);
      const path = "/c/fighting-fund-2026?frequency=monthly&amount=1500&currency=EUR";
      expect(data.afterGift).toMatchObject({ oneStep: false, monthlyPath: path });
      const form = (await (
        await callLoader(campaignLoader, path, { params: { slug: "fighting-fund-2026" } })
      ).json()) as { campaign: { currency: string }; choice: unknown };
      expect(form).toMatchObject({ campaign: { currency: "EUR" }, choice: { frequency: "monthly", amount: "1500" } });
    } finally {
      await t.db.delete(campaignCurrencies).where(eq(campaignCurrencies.campaignId, campaignId));
    }
  });

  it("no offer after a monthly gift or a declined one", async () => {
    const monthly = await give({ frequency: "monthly" });
    expect((await thanks(monthly.checkout.id, monthly.cookies)).afterGift).toBeNull();
    const declined = await give({}, "decline");
    expect((await thanks(declined.checkout.id, declined.cookies)).afterGift).toBeNull();
  });
});
