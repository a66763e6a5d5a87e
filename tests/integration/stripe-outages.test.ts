import { randomUUID } from "node:crypto";
import { count, eq } from "drizzle-orm";
import { http, HttpResponse, type HttpHandler } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { auditLog, checkouts, payments, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { loader as supporterLoader } from "~/routes/admin.supporters.$id";
import { loader as healthLoader } from "~/routes/healthz";
import { action as supportAction, loader as supportLoader } from "~/routes/support";
import { createCheckout, uniqueEmail } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { confirmRefundForm, reviewRefund } from "../support/refunds";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/*
 * Stripe unreachable or failing at the three moments a person waits on it. What the other Stripe
 * tests already prove is not repeated here:
 * - checkout start, domain level, 500 and unreachable: stripe-checkout.test.ts; the donate form
 *   with a 500: donate-route.test.ts;
 * - a refund answered 500, domain and page, and a retry: stripe-refunds.test.ts;
 * - a plan change unreachable, 500 or 400, and a retry; the card page unreachable:
 *   stripe-subscription-changes.test.ts.
 * Added: the donate and supporter-tier forms with Stripe unreachable and then back, /healthz
 * saying so, a refund with Stripe unreachable, and a refund Stripe made whose answer was lost.
 */

const SECRET = "whsec_fighting_fund_outage_tests";
const { stripe, server } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

afterEach(() => server.resetHandlers());

const rowCounts = async () => ({
  checkouts: (await t.db.select({ n: count() }).from(checkouts))[0].n,
  supporters: (await t.db.select({ n: count() }).from(supporters))[0].n,
  payments: (await t.db.select({ n: count() }).from(payments))[0].n,
});

let address = 0;
/** Each reader from their own address, so that the rate limit never answers instead of Stripe. */
const nextAddress = () => `198.51.100.${(address += 1)}`;

async function health() {
  return (await callLoader(healthLoader, "/healthz")).json() as Promise<{
    db: string;
    recentFailures?: { stripe?: string };
  }>;
}

describe("a reader starts a checkout while Stripe is down", () => {
  it("the donate form comes back with a clear message and what was typed, nothing is written, and trying again works", async () => {
    const { cookie, token } = await csrfFor(indexLoader, "/");
    const clientAddress = nextAddress();
    const form = {
      csrf: token,
      currency: "AUD",
      frequency: "once",
      amount: "custom",
      customAmount: "37.50",
      email: uniqueEmail(),
      name: "Kept Name",
    };
    const before = await rowCounts();

    stripe.failNextRequest("network");
    const failed = await postForm(indexAction, "/?index", form, { cookie, clientAddress });
    expect(failed.status).toBe(503);
    const body = await failed.json();
    expect(body.formError).toMatch(/couldn't reach our payment processor/);
    expect(body.formError).toMatch(/Nothing was charged/);
    expect(body.values).toMatchObject({ name: "Kept Name", customAmount: "37.50" });
    expect(await rowCounts()).toEqual(before);
    // Operators see it on /healthz, which never calls Stripe itself.
    expect((await health()).recentFailures?.stripe).toBeTruthy();

    const retried = await postForm(indexAction, "/?index", form, { cookie, clientAddress });
    expect(retried.status).toBe(303);
    expect(retried.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(await rowCounts()).toEqual({ ...before, checkouts: before.checkouts + 1 });
    expect((await health()).recentFailures).toBeUndefined();
  });

  it.each([
    ["unreachable", "network" as const],
    ["answering 500", { status: 500 }],
  ])(
    "a supporter tier with Stripe %s: a clear message, the choice kept, nothing written, and a retry works",
    async (_, failure) => {
      const plan = fixtures.plan("digital-monthly");
      if (![...stripe.store.prices.values()].some((price) => price.lookup_key === plan.lookupKey)) {
        stripe.addPrice({
          lookupKey: plan.lookupKey,
          unitAmount: plan.amountMinor,
          currency: plan.currency,
          interval: "month",
        });
      }
      const { cookie, token } = await csrfFor(supportLoader, "/support");
      const clientAddress = nextAddress();
      const form = { csrf: token, plan: plan.code, email: uniqueEmail(), name: "Tier Reader" };
      const before = await rowCounts();

      stripe.failNextRequest(failure);
      const failed = await postForm(supportAction, "/support", form, { cookie, clientAddress });
      expect(failed.status).toBe(503);
      const body = await failed.json();
      expect(body.formError).toMatch(/Nothing was charged/);
      expect(body.values).toMatchObject({ plan: plan.code, name: "Tier Reader" });
      expect(await rowCounts()).toEqual(before);

      const retried = await postForm(supportAction, "/support", form, { cookie, clientAddress });
      expect(retried.status).toBe(303);
      expect(retried.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
      expect(await rowCounts()).toEqual({ ...before, checkouts: before.checkouts + 1 });
    },
  );
});

describe("staff refund while Stripe is down", () => {
  /** A one-off card gift recorded through the webhook, as in production. */
  async function paidGift(amountMinor: number) {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor,
      feeCoverMinor: 0,
    });
    const session = checkoutSessionObject({
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
      amountTotal: amountMinor,
      email: checkout.email,
    });
    const delivered = await handleStripeWebhook(
      t.db,
      signedWebhookRequest(stripeEvent("checkout.session.completed", session), SECRET),
    );
    expect(delivered.status).toBe(200);
    const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
    return payment;
  }

  let staffCookie: string | undefined;
  /**
   * The supporter page as an admin sees it, and a function that asks for a refund from it and
   * confirms: the first call posts the request and its confirmation; each later call confirms
   * again the confirmation the last answer showed (as "Refund" pressed again on the error page).
   */
  async function refundForm(payment: { id: number; supporterId: number | null }) {
    if (!staffCookie) {
      await createStaffUser(t.db, {
        email: "outage-admin@fund.example",
        name: "Outage Admin",
        role: "admin",
        password: "a-long-staff-password",
      });
      const signIn = await signInStaff(t.db, {
        email: "outage-admin@fund.example",
        password: "a-long-staff-password",
        clientAddress: "203.0.113.60",
      });
      if (signIn.status !== "ok") throw new Error("sign-in failed");
      staffCookie = signIn.cookie.split(";")[0];
    }
    const params = { id: String(payment.supporterId) };
    const page = await callLoader(supporterLoader, `/admin/supporters/${payment.supporterId}`, {
      cookie: staffCookie,
      params,
    });
    const cookie = `${staffCookie}; ${(page.headers.get("Set-Cookie") ?? "").split(";")[0]}`;
    const { csrf } = (await page.json()) as { csrf: string };
    let shown: { requestId?: string; values: Record<string, string> } | null = null;
    return async (amount: string) => {
      if (!shown) shown = (await reviewRefund({ cookie, csrf }, payment.id, { amount, from: "supporter" })).body;
      const response = await confirmRefundForm({ cookie, csrf }, payment.id, shown);
      if (response.status === 503) shown = (await response.clone().json()) as typeof shown;
      return response;
    };
  }

  const ledger = async (paymentId: number) => (await t.db.select().from(payments).where(eq(payments.id, paymentId)))[0];
  const refundAudits = async () =>
    (await t.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, "payment.refund")))[0].n;

  it("Stripe unreachable: a clear message, the amount kept, nothing recorded; the retry asks Stripe once more with the same key", async () => {
    const payment = await paidGift(4000);
    const refund = await refundForm(payment);
    const auditsBefore = await refundAudits();
    stripe.clearRequests();

    stripe.failNextRequest("network");
    const failed = await refund("15.00");
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({
      step: "confirm",
      formError: expect.stringMatching(/try again/),
      values: { amount: "15.00" },
    });
    expect((await ledger(payment.id)).refundedMinor).toBe(0);
    expect(await refundAudits()).toBe(auditsBefore);

    const retried = await refund("15.00");
    expect(retried.headers.get("Location")).toBe(`/admin/supporters/${payment.supporterId}?done=refund-requested`);
    expect(await refundAudits()).toBe(auditsBefore + 1);
    const keys = stripe.requestsTo("POST", "/v1/refunds").map((request) => request.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it("Stripe refunded but its answer was lost: the retry is recognised by Stripe, so the money goes back once", async () => {
    const payment = await paidGift(6000);
    const refund = await refundForm(payment);
    // Every refund request reaches the mock Stripe (which keeps idempotency keys as Stripe does);
    // the first answer is then dropped on its way back, as a cut connection would.
    const refundsRoute = stripe.handlers.find(
      (handler): handler is HttpHandler =>
        "info" in handler && handler.info.method === "POST" && String(handler.info.path).endsWith("/v1/refunds"),
    );
    if (!refundsRoute) throw new Error("the Stripe mock has no refunds route");
    const refundIds: string[] = [];
    let answersDropped = 0;
    server.use(
      http.post("https://api.stripe.com/v1/refunds", async ({ request }) => {
        const result = await refundsRoute.run({ request, requestId: randomUUID() });
        if (!result?.response) throw new Error("the Stripe mock did not answer");
        refundIds.push(((await result.response.clone().json()) as { id: string }).id);
        if (answersDropped === 0) {
          answersDropped += 1;
          return HttpResponse.error();
        }
        return result.response;
      }),
    );

    const failed = await refund("20.00");
    expect(failed.status).toBe(503);
    expect((await ledger(payment.id)).refundedMinor).toBe(0);

    const retried = await refund("20.00");
    expect(retried.headers.get("Location")).toBe(`/admin/supporters/${payment.supporterId}?done=refund-requested`);
    // Two requests, one refund: Stripe answered the retry with the refund it had already made.
    expect(refundIds).toHaveLength(2);
    expect(new Set(refundIds).size).toBe(1);
  });
});
