import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BYTES } from "~/http/stripe-webhook.server";
import { action, loader } from "~/routes/webhooks.stripe";
import { createCheckout } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signStripePayload, stripeEvent } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { changedTables, countAllRows } from "../support/row-counts";
import { useStripeMode } from "../support/stripe-mode";

/**
 * The webhook endpoint as the internet reaches it: a Request with headers and a body stream,
 * through the route. Anything not signed by Stripe, in Stripe's scheme, within the tolerance,
 * is refused with a 4xx, writes nothing and makes no call to Stripe.
 */

const SECRET = "whsec_fighting_fund_webhook_hostile";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const URL = "http://localhost:3000/webhooks/stripe";
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The Stripe SDK's default tolerance, which verifyWebhook uses. */
const TOLERANCE_SECONDS = 300;

function post(body: BodyInit | null, headers: Record<string, string> = {}, init: RequestInit = {}) {
  const request = new Request(URL, {
    method: "POST",
    body,
    headers,
    ...init,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return action({ request, params: {}, context: {} });
}

/** A v1 signature as Stripe computes it: HMAC-SHA256 of "<timestamp>.<body>" with the secret. */
const v1 = (body: string, timestamp: number, secret = SECRET) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");

async function paidSessionEvent() {
  const checkout = await createCheckout(t.db, { campaignId: fixtures.campaign.id, kind: "one_off", amountMinor: 5000 });
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
    amountTotal: 5000,
    email: checkout.email,
  });
  return JSON.stringify(stripeEvent("checkout.session.completed", session), null, 2);
}

/** Sends, and checks that nothing was written and Stripe was not called. */
async function expectRefused(send: () => Promise<Response>, status: number) {
  const before = await countAllRows(t.db);
  const stripeCalls = stripe.requests.length;
  const response = await send();
  const body = (await response.json()) as { error?: string };
  expect(response.status).toBe(status);
  expect(body.error).toEqual(expect.any(String));
  expect(changedTables(before, await countAllRows(t.db))).toEqual({});
  expect(stripe.requests.length).toBe(stripeCalls);
  return response;
}

describe("the Stripe webhook refuses what Stripe did not sign", () => {
  it("takes a correctly signed delivery (so the refusals below are about the signature, not the set-up)", async () => {
    const body = await paidSessionEvent();
    const before = await countAllRows(t.db);
    const response = await post(body, { "Stripe-Signature": signStripePayload(body, SECRET) });
    expect(response.status).toBe(200);
    expect(changedTables(before, await countAllRows(t.db))).toMatchObject({ provider_events: 1, payments: 1 });
  });

  it("no Stripe-Signature header: 400", async () => {
    const body = await paidSessionEvent();
    await expectRefused(() => post(body), 400);
    await expectRefused(() => post(body, { "Stripe-Signature": "" }), 400);
  });

  it("signed with another secret: 400", async () => {
    const body = await paidSessionEvent();
    await expectRefused(() => post(body, { "Stripe-Signature": signStripePayload(body, "whsec_someone_else") }), 400);
  });

  it("a body changed after signing: 400", async () => {
    const body = await paidSessionEvent();
    const signature = signStripePayload(body, SECRET);
    const tampered = body.replace(/"amount_total": \d+/, '"amount_total": 1');
    expect(tampered).not.toBe(body);
    await expectRefused(() => post(tampered, { "Stripe-Signature": signature }), 400);
    // One byte of whitespace is a different body too.
    await expectRefused(() => post(`${body} `, { "Stripe-Signature": signature }), 400);
  });

  it("a timestamp older than the tolerance (a replay): 400", async () => {
    const body = await paidSessionEvent();
    const old = nowSeconds() - TOLERANCE_SECONDS - 5;
    await expectRefused(() => post(body, { "Stripe-Signature": `t=${old},v1=${v1(body, old)}` }), 400);
  });

  it("a timestamp moved into the future breaks the signature: 400", async () => {
    const body = await paidSessionEvent();
    const now = nowSeconds();
    const future = now + 3600;
    // A captured header with only its timestamp rewritten, to stretch its replay window.
    await expectRefused(() => post(body, { "Stripe-Signature": `t=${future},v1=${v1(body, now)}` }), 400);
  });

  // Stripe's SDK checks only that a timestamp is not too old, so a signature made for an hour
  // from now would stay replayable for that hour: verifyWebhook refuses it.
  it("a correctly signed timestamp an hour in the future: 400", async () => {
    const body = await paidSessionEvent();
    const future = nowSeconds() + 3600;
    await expectRefused(() => post(body, { "Stripe-Signature": `t=${future},v1=${v1(body, future)}` }), 400);
  });

  it("a correctly signed timestamp a little ahead (clock skew within the tolerance) is taken", async () => {
    const body = await paidSessionEvent();
    const ahead = nowSeconds() + 60;
    const response = await post(body, { "Stripe-Signature": `t=${ahead},v1=${v1(body, ahead)}` });
    expect(response.status).toBe(200);
  });

  it("several v1 signatures: accepted when one of them is valid (Stripe's scheme, for secret rotation), refused when none is", async () => {
    const now = nowSeconds();
    const bad = v1("something else", now);

    const onlyBad = await paidSessionEvent();
    await expectRefused(() => post(onlyBad, { "Stripe-Signature": `t=${now},v1=${bad},v1=${"0".repeat(64)}` }), 400);
    // The old scheme's v0 is not a signature we accept, even when it is right.
    await expectRefused(() => post(onlyBad, { "Stripe-Signature": `t=${now},v0=${v1(onlyBad, now)}` }), 400);

    for (const order of ["bad-first", "good-first"] as const) {
      const body = await paidSessionEvent();
      const good = v1(body, now);
      const header = order === "bad-first" ? `t=${now},v1=${bad},v1=${good}` : `t=${now},v1=${good},v1=${bad}`;
      const before = await countAllRows(t.db);
      const response = await post(body, { "Stripe-Signature": header });
      expect(response.status, order).toBe(200);
      expect(changedTables(before, await countAllRows(t.db))).toMatchObject({ provider_events: 1, payments: 1 });
    }
  });

  it("a header in the wrong format: 400", async () => {
    const body = await paidSessionEvent();
    const now = nowSeconds();
    for (const header of [
      `v1=${v1(body, now)}`,
      `t=${now}`,
      `t=abc,v1=${v1(body, now)}`,
      "garbage",
      `t=${now},v1=${v1(body, now).toUpperCase()}x`,
    ]) {
      await expectRefused(() => post(body, { "Stripe-Signature": header }), 400);
    }
  });
});

describe("the Stripe webhook refuses what is not a Stripe event", () => {
  it("a body that is not JSON, correctly signed: 400", async () => {
    for (const body of ["not json", "<xml/>", "{", ""]) {
      await expectRefused(() => post(body, { "Stripe-Signature": signStripePayload(body, SECRET) }), 400);
    }
  });

  it("JSON of the wrong shape, correctly signed: 400", async () => {
    const session = checkoutSessionObject({ metadata: {}, amountTotal: 5000, email: "a@example.org" });
    const shapes = [
      {},
      [],
      { id: "evt_1", type: "checkout.session.completed" },
      { id: "evt_2", type: "checkout.session.completed", created: nowSeconds(), data: {} },
      { id: 3, type: ["x"], created: "yesterday", data: { object: {} } },
      stripeEvent("checkout.session.completed", { ...session, amount_total: "lots" }),
      stripeEvent("invoice.paid", { object: "invoice", id: 42 }),
      stripeEvent("charge.refunded", null),
    ];
    for (const shape of shapes) {
      const body = JSON.stringify(shape);
      await expectRefused(() => post(body, { "Stripe-Signature": signStripePayload(body, SECRET) }), 400);
    }
  });
});

describe("the Stripe webhook refuses oversized bodies without buffering them", () => {
  it("a declared Content-Length over the limit: 413 before any of the body is read", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled * 1024 > MAX_WEBHOOK_BYTES) return controller.close();
        pulled += 1;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const response = await expectRefused(
      () => post(stream, { "Content-Length": String(MAX_WEBHOOK_BYTES + 1), "Stripe-Signature": "t=1,v1=00" }),
      413,
    );
    expect(response.headers.get("Connection")).toBe("close");
    // The stream may have been primed with a chunk or two; it was not read through.
    expect(pulled * 1024).toBeLessThan(MAX_WEBHOOK_BYTES);
  });

  it("a huge body without a length: 413 once the limit is passed, having read no more than the limit and a chunk", async () => {
    const chunk = 16 * 1024;
    // 16 MB: reading it all before judging it would show in `sent`.
    const total = 64 * MAX_WEBHOOK_BYTES;
    let sent = 0;
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        sent += chunk;
        controller.enqueue(new TextEncoder().encode("x".repeat(chunk)));
      },
    });
    await expectRefused(() => post(huge, { "Stripe-Signature": "t=1,v1=00" }), 413);
    expect(sent).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    // Bounded: the limit, the chunk that crossed it, and what the stream queued ahead.
    expect(sent).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES + 4 * chunk);
  });

  it("a correctly signed body just over the limit: 413; one just under is read and judged on its merits", async () => {
    const over = JSON.stringify({ padding: "x".repeat(MAX_WEBHOOK_BYTES) });
    await expectRefused(() => post(over, { "Stripe-Signature": signStripePayload(over, SECRET) }), 413);
    const under = JSON.stringify({ padding: "x".repeat(MAX_WEBHOOK_BYTES - 100) });
    // Signed, not oversized, but not an event: the shape check answers, not the size check.
    await expectRefused(() => post(under, { "Stripe-Signature": signStripePayload(under, SECRET) }), 400);
  });
});

describe("the Stripe webhook takes POST only", () => {
  it("GET is a 405", async () => {
    const response = await loader();
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});
