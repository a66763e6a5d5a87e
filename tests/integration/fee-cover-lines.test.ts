// ADR 040: card fees a reader covers are visible. Stripe Checkout shows a
// one-off gift and "Card fees covered" as two line items; a monthly gift stays one subscription
// item whose product says what it includes. The session total still matches the checkout
// (ADR 030–032: a completed session is applied only for the amount we asked).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { checkouts, payments, settings } from "@db/schema";
import { estimateCardFee } from "~/money";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { uniqueEmail } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

const SECRET = "whsec_fee_cover_lines";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

let address = 0;
async function donate(fields: Record<string, string>) {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  const email = uniqueEmail();
  stripe.clearRequests();
  const response = await postForm(
    indexAction,
    "/?index",
    { csrf: token, currency: "AUD", frequency: "once", amount: "2500", email, ...fields },
    { cookie, clientAddress: `198.51.100.${++address}` },
  );
  expect(response.status).toBe(303);
  const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
  const [request] = stripe.requestsTo("POST", "/v1/checkout/sessions");
  const session = stripe.store.sessions.get(checkout.providerSessionId!)!;
  return { checkout, params: request.params as { line_items: Record<string, unknown>[]; cancel_url: string }, session };
}

const fee = async (amountMinor: number) => {
  const [s] = await t.db.select().from(settings);
  return estimateCardFee(amountMinor, { percentBps: s.feePercentBps, fixedMinor: s.feeFixedMinor });
};

describe("fee cover on the payment page", () => {
  it("a one-off gift with the fees covered: the gift and 'Card fees covered' as two lines, the session total both, and it is applied", async () => {
    const cover = await fee(2500);
    const { checkout, params, session } = await donate({ coverFees: "on" });
    expect(checkout).toMatchObject({ amountMinor: 2500, feeCoverMinor: cover });
    expect(params.line_items).toEqual([
      {
        quantity: "1",
        price_data: {
          currency: "aud",
          unit_amount: "2500",
          product_data: { name: "Gift of $25 to Fighting Fund 2026" },
        },
      },
      {
        quantity: "1",
        price_data: { currency: "aud", unit_amount: String(cover), product_data: { name: "Card fees covered" } },
      },
    ]);
    expect(session.amount_total).toBe(2500 + cover);
    // Cancelling on the payment page comes back to the form, filled in.
    expect(params.cancel_url).toBe(`http://localhost:3000/?retry=${checkout.id}`);

    const completed = checkoutSessionObject({
      id: session.id,
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
      amountTotal: session.amount_total,
      email: checkout.email,
    });
    const result = await handleStripeWebhook(
      t.db,
      signedWebhookRequest(stripeEvent("checkout.session.completed", completed), SECRET),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
    expect(payment).toMatchObject({ amountMinor: 2500 + cover, feeCoverMinor: cover });
  });

  it("a session whose total leaves out the cover is still refused", async () => {
    const { checkout, session } = await donate({ coverFees: "on" });
    const short = checkoutSessionObject({
      id: session.id,
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
      amountTotal: 2500,
      email: checkout.email,
    });
    await handleStripeWebhook(t.db, signedWebhookRequest(stripeEvent("checkout.session.completed", short), SECRET));
    expect(await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id))).toEqual([]);
  });

  it("without the cover: one line, as before", async () => {
    const { params, session } = await donate({});
    expect(params.line_items).toEqual([
      {
        quantity: "1",
        price_data: {
          currency: "aud",
          unit_amount: "2500",
          product_data: { name: "Gift of $25 to Fighting Fund 2026" },
        },
      },
    ]);
    expect(session.amount_total).toBe(2500);
  });

  it("a monthly gift with the fees covered stays one subscription item, its product saying what it includes", async () => {
    const cover = await fee(2500);
    const { params, session } = await donate({ frequency: "monthly", coverFees: "on" });
    expect(params.line_items).toEqual([
      {
        quantity: "1",
        price_data: {
          currency: "aud",
          unit_amount: String(2500 + cover),
          recurring: { interval: "month" },
          product_data: {
            name: "Monthly gift of $25 to Fighting Fund 2026",
            description: `Includes $${(cover / 100).toFixed(2)} to cover card fees`,
          },
        },
      },
    ]);
    expect(session.amount_total).toBe(2500 + cover);
  });
});
