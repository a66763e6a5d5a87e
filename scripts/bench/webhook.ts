// Benchmark 1, webhook ingestion: a realistic mix of signed Stripe events, 20% of them delivered
// twice, from 32 concurrent senders to a running server. Figures: events/s and p50/p99 latency.
// Baseline: the same rows written by a minimal postgres.js script (same pool size), in the same
// run. Target: ≥ 35% of the baseline's rate, p99 < 50 ms.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  paymentMethodObject,
  signStripePayload,
  stripeEvent,
  subscriptionObject,
} from "../../tests/mocks/stripe";
import type { Bench } from "./lib/bench";
import { BENCH_STRIPE_KEY, BENCH_WEBHOOK_SECRET } from "./lib/env";
import { percentile } from "./lib/load";
import { seededRandom } from "./lib/people";
import { fmt, percent, type Result } from "./lib/report";
import { seededCheckoutId, seededCustomerId, seededSubscriptionId } from "./lib/seeded";
import { ensureBuild, startServer } from "./lib/server";
import { startStripeStub } from "./lib/stripe-stub";

const SENDERS = 32;
const POOL = 10; // the app's default DATABASE_POOL_SIZE: the baseline gets the same
const UNIQUE_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 3000);
const DUPLICATE_SHARE = 0.2;

/** What one event asks the database to do, known to the baseline without parsing anything. */
type Work =
  | {
      kind: "gift";
      checkoutId: string;
      campaignId: number;
      email: string;
      name: string;
      customerId: string;
      amountMinor: number;
      paymentIntentId: string;
    }
  | {
      kind: "renewal";
      subscriptionId: number;
      providerSubscriptionId: string;
      supporterId: number;
      campaignId: number;
      planId: number | null;
      giftKind: string;
      checkoutId: string;
      amountMinor: number;
      invoiceId: string;
      paymentIntentId: string;
    }
  | { kind: "subscription"; providerSubscriptionId: string; amountMinor: number; periodEnd: Date; at: Date }
  | { kind: "refund"; paymentIntentId: string; refundedMinor: number }
  | { kind: "card"; customerId: string; last4: string };

type Delivery = { eventId: string; type: string; body: string; work: Work; duplicate: boolean };

type Sample = {
  subscriptions: {
    id: number;
    supporter_id: number;
    campaign_id: number;
    plan_id: number | null;
    kind: string;
    amount_minor: string;
  }[];
  gifts: { stripe_payment_intent_id: string; amount_minor: string }[];
  customers: { id: number; email: string }[];
  campaignId: number;
};

async function sample(sql: postgres.Sql, n: number): Promise<Sample> {
  // Live subscriptions, card gifts and customers of the seeded data set, picked at random.
  const subscriptions = await sql<Sample["subscriptions"]>`
    select s.id, s.supporter_id, s.campaign_id, s.plan_id, s.kind, s.amount_minor from subscriptions s tablesample bernoulli (20)
    where s.status = 'active' and s.provider_subscription_id like 'sub_seed%' limit ${n}`;
  const gifts = await sql<Sample["gifts"]>`
    select stripe_payment_intent_id, amount_minor from payments tablesample system (2)
    where kind = 'one_off' and provider = 'stripe' and refunded_minor = 0 and stripe_payment_intent_id is not null limit ${n}`;
  const customers = await sql<Sample["customers"]>`
    select id, email from supporters tablesample system (5) where stripe_customer_id like 'cus_seed%' and email is not null and erased_at is null limit ${n}`;
  const [{ id: campaignId }] = await sql<{ id: number }[]>`select id from campaigns where is_default`;
  if (subscriptions.length < n / 4 || gifts.length < n / 10 || customers.length < n / 4)
    throw new Error("the database looks unseeded: run npm run bench:seed first");
  return { subscriptions, gifts, customers, campaignId };
}

/** A shuffled mix: 40% new one-off gifts, 30% renewals, 15% subscription updates, 7% refunds, 8% card changes; then 20% duplicates. */
async function makeDeliveries(
  sql: postgres.Sql,
  data: Sample,
  unique: number,
  seed: number,
  label: string,
): Promise<Delivery[]> {
  const random = seededRandom(seed);
  const take = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const now = Math.floor(Date.now() / 1000);
  const deliveries: Delivery[] = [];
  const newCheckouts: {
    id: string;
    campaign_id: number;
    kind: string;
    amount_minor: number;
    fee_cover_minor: number;
    currency: string;
    email: string;
    name: string;
    provider: string;
  }[] = [];
  const usedSubscriptions = new Set<number>();
  const usedGifts = new Set<string>();
  for (let i = 0; i < unique; i++) {
    const roll = random();
    let event;
    let work: Work;
    if (roll < 0.4) {
      // Most gifts come from new people; some from supporters we know by their Stripe customer.
      const known = random() < 0.3 ? take(data.customers) : null;
      const email = known?.email ?? `bench-${label}-${i}-${randomUUID().slice(0, 8)}@example.net`;
      const customerId = known ? seededCustomerId(known.id) : `cus_bench${randomUUID().replace(/-/g, "").slice(0, 16)}`;
      const amount = [2500, 5000, 10000][i % 3];
      const feeCover = random() < 0.35 ? Math.round(amount * 0.0175) + 30 : 0;
      const checkoutId = randomUUID();
      newCheckouts.push({
        id: checkoutId,
        campaign_id: data.campaignId,
        kind: "one_off",
        amount_minor: amount,
        fee_cover_minor: feeCover,
        currency: "AUD",
        email,
        name: "Bench Donor",
        provider: "stripe",
      });
      const session = checkoutSessionObject({
        metadata: checkoutMetadata({ checkoutId, campaignId: data.campaignId, kind: "one_off" }),
        amountTotal: amount + feeCover,
        email,
        name: "Bench Donor",
        customer: customerId,
      });
      event = stripeEvent("checkout.session.completed", session);
      work = {
        kind: "gift",
        checkoutId,
        campaignId: data.campaignId,
        email,
        name: "Bench Donor",
        customerId,
        amountMinor: amount + feeCover,
        paymentIntentId: session.payment_intent!,
      };
    } else if (roll < 0.7) {
      const s = take(data.subscriptions);
      const metadata = checkoutMetadata({
        checkoutId: seededCheckoutId(s.id),
        campaignId: s.campaign_id,
        planId: s.plan_id,
        kind: s.kind,
      });
      const invoice = invoiceObject({
        metadata,
        subscription: seededSubscriptionId(s.id),
        customer: seededCustomerId(s.supporter_id),
        amount: Number(s.amount_minor),
        billingReason: "subscription_cycle",
        paidAt: now,
      });
      event = stripeEvent("invoice.paid", invoice);
      work = {
        kind: "renewal",
        subscriptionId: s.id,
        providerSubscriptionId: seededSubscriptionId(s.id),
        supporterId: s.supporter_id,
        campaignId: s.campaign_id,
        planId: s.plan_id,
        giftKind: s.kind,
        checkoutId: seededCheckoutId(s.id),
        amountMinor: Number(s.amount_minor),
        invoiceId: invoice.id,
        paymentIntentId: invoice.payments.data[0].payment.payment_intent!,
      };
    } else if (roll < 0.85) {
      let s = take(data.subscriptions);
      for (let tries = 0; usedSubscriptions.has(s.id) && tries < 5; tries++) s = take(data.subscriptions);
      usedSubscriptions.add(s.id);
      const periodEnd = now + 20 * 86_400;
      const metadata = checkoutMetadata({
        checkoutId: seededCheckoutId(s.id),
        campaignId: s.campaign_id,
        planId: s.plan_id,
        kind: s.kind,
      });
      const subscription = subscriptionObject({
        id: seededSubscriptionId(s.id),
        metadata,
        status: "active",
        unitAmount: Number(s.amount_minor),
        currentPeriodEnd: periodEnd,
        customer: seededCustomerId(s.supporter_id),
      });
      event = stripeEvent("customer.subscription.updated", subscription, { created: now });
      work = {
        kind: "subscription",
        providerSubscriptionId: subscription.id,
        amountMinor: Number(s.amount_minor),
        periodEnd: new Date(periodEnd * 1000),
        at: new Date(now * 1000),
      };
    } else if (roll < 0.92) {
      let g = take(data.gifts);
      for (let tries = 0; usedGifts.has(g.stripe_payment_intent_id) && tries < 5; tries++) g = take(data.gifts);
      usedGifts.add(g.stripe_payment_intent_id);
      const refunded = Math.floor(Number(g.amount_minor) / 4);
      event = stripeEvent(
        "charge.refunded",
        chargeObject({
          paymentIntent: g.stripe_payment_intent_id,
          amount: Number(g.amount_minor),
          amountRefunded: refunded,
        }),
      );
      work = { kind: "refund", paymentIntentId: g.stripe_payment_intent_id, refundedMinor: refunded };
    } else {
      const c = take(data.customers);
      const last4 = String(1000 + Math.floor(random() * 9000));
      event = stripeEvent(
        "payment_method.attached",
        paymentMethodObject({ customer: seededCustomerId(c.id), brand: "visa", last4, expMonth: 11, expYear: 2030 }),
      );
      work = { kind: "card", customerId: seededCustomerId(c.id), last4 };
    }
    deliveries.push({ eventId: event.id, type: event.type, body: JSON.stringify(event), work, duplicate: false });
  }
  // The checkouts the gifts' readers started, written as the donate form writes them.
  for (let i = 0; i < newCheckouts.length; i += 5000)
    await sql`insert into checkouts ${sql(newCheckouts.slice(i, i + 5000))}`;
  // Shuffle, then deliver a fifth of everything a second time, somewhere after the first.
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }
  // Stripe redelivers when an answer is slow or lost, so a copy often arrives while the first is in flight.
  const originals = deliveries.slice();
  const duplicates = Math.round((unique * DUPLICATE_SHARE) / (1 - DUPLICATE_SHARE));
  for (let d = 0; d < duplicates; d++) {
    const original = originals[Math.floor(random() * unique)];
    const at = Math.min(deliveries.length, deliveries.indexOf(original) + 1 + Math.floor(random() * 64));
    deliveries.splice(at, 0, { ...original, duplicate: true });
  }
  return deliveries;
}

type Outcome = { seconds: number; latencies: number[]; failures: string[] };

/** Runs `send` for every delivery from `senders` concurrent loops. */
async function drive(
  deliveries: Delivery[],
  senders: number,
  send: (delivery: Delivery) => Promise<string | null>,
): Promise<Outcome> {
  let next = 0;
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++];
        const t = performance.now();
        const failure = await send(delivery);
        latencies.push(performance.now() - t);
        if (failure) failures.push(failure);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies, failures };
}

// ---------------------------------------------------------------------------------------------
// The baseline: the rows applyDelivery writes for each event, with nothing else around them.

const RECEIPT_ORGANISATION = {
  name: "Fighting Fund Demo Press",
  contactEmail: "supporters@example.org",
  contactAddress: "",
  phone: "",
  receiptFooter: "",
  timeZone: "Australia/Melbourne",
};

async function writeReceiptAndMail(
  tx: postgres.TransactionSql,
  input: {
    supporterId: number;
    email: string;
    campaignId: number;
    subscriptionId: number | null;
    planId: number | null;
    checkoutId: string;
    kind: string;
    providerPaymentId: string;
    paymentIntentId: string;
    amountMinor: number;
    feeCoverMinor: number;
  },
) {
  const [{ value }] = await tx<{ value: string }[]>`select value from counters where name = 'receipt' for update`;
  const receiptNumber = Number(value) + 1;
  await tx`update counters set value = ${receiptNumber} where name = 'receipt'`;
  const now = new Date();
  const [payment] = await tx<{ id: number }[]>`
    insert into payments (supporter_id, campaign_id, subscription_id, plan_id, checkout_id, kind, method, provider, provider_payment_id, stripe_payment_intent_id, amount_minor, fee_cover_minor, currency, receipt_number, paid_at)
    values (${input.supporterId}, ${input.campaignId}, ${input.subscriptionId}, ${input.planId}, ${input.checkoutId}, ${input.kind}, 'card', 'stripe', ${input.providerPaymentId}, ${input.paymentIntentId}, ${input.amountMinor}, ${input.feeCoverMinor}, 'AUD', ${receiptNumber}, ${now})
    returning id`;
  const snapshot = {
    receiptNumber,
    issuedAt: now.toISOString(),
    paidAt: now.toISOString(),
    amountMinor: input.amountMinor,
    feeCoverMinor: input.feeCoverMinor,
    currency: "AUD",
    description: "Gift",
    frequency: "once",
    campaignName: "Fighting Fund 2026",
    donor: { name: null, email: input.email },
    organisation: RECEIPT_ORGANISATION,
  };
  await tx`insert into receipts (payment_id, receipt_number, snapshot) values (${payment.id}, ${receiptNumber}, ${tx.json(snapshot)})`;
  await tx`insert into login_tokens (token_hash, supporter_id, email, purpose, expires_at) values (${randomUUID()}, ${input.supporterId}, ${input.email}, 'manage', ${new Date(now.getTime() + 7 * 86_400_000)})`;
  await tx`insert into outbox (template, to_email, props, idempotency_key) values ('donation-receipt', ${input.email}, ${tx.json({ receipt: snapshot, manageUrl: "http://127.0.0.1/account/auth/x" })}, ${`receipt:${payment.id}`}) on conflict (idempotency_key) do nothing`;
}

async function baselineApply(sql: postgres.Sql, delivery: Delivery): Promise<string | null> {
  await sql.begin(async (tx) => {
    const recorded =
      await tx`insert into provider_events (id, type, provider_created_at) values (${delivery.eventId}, ${delivery.type}, now()) on conflict (id) do nothing returning id`;
    if (recorded.length === 0) return;
    const work = delivery.work;
    if (work.kind === "gift") {
      const [supporter] = await tx<{ id: number }[]>`
        insert into supporters (email, name, stripe_customer_id) values (${work.email}, ${work.name}, ${work.customerId})
        on conflict (email_key) do update set name = excluded.name returning id`;
      await tx`update checkouts set status = 'completed', completed_at = now() where id = ${work.checkoutId}`;
      await writeReceiptAndMail(tx, {
        supporterId: supporter.id,
        email: work.email,
        campaignId: work.campaignId,
        subscriptionId: null,
        planId: null,
        checkoutId: work.checkoutId,
        kind: "one_off",
        providerPaymentId: work.paymentIntentId,
        paymentIntentId: work.paymentIntentId,
        amountMinor: work.amountMinor,
        feeCoverMinor: 0,
      });
    } else if (work.kind === "renewal") {
      await writeReceiptAndMail(tx, {
        supporterId: work.supporterId,
        email: "renewal@example.net",
        campaignId: work.campaignId,
        subscriptionId: work.subscriptionId,
        planId: work.planId,
        checkoutId: work.checkoutId,
        kind: work.giftKind,
        providerPaymentId: work.invoiceId,
        paymentIntentId: work.paymentIntentId,
        amountMinor: work.amountMinor,
        feeCoverMinor: 0,
      });
      await tx`update subscriptions set last_failure_reason = null, next_retry_at = null where id = ${work.subscriptionId}`;
    } else if (work.kind === "subscription") {
      await tx`update subscriptions set status = 'active', amount_minor = ${work.amountMinor}, current_period_end = ${work.periodEnd}, provider_updated_at = ${work.at}
        where provider_subscription_id = ${work.providerSubscriptionId} and provider_updated_at < ${work.at}`;
    } else if (work.kind === "refund") {
      const rows = await tx<
        { id: number }[]
      >`update payments set refunded_minor = greatest(refunded_minor, least(${work.refundedMinor}, amount_minor)) where stripe_payment_intent_id = ${work.paymentIntentId} returning id`;
      for (const row of rows)
        await tx`insert into outbox (template, to_email, props, idempotency_key) values ('refund-confirmation', 'refund@example.net', ${tx.json({ refundMinor: work.refundedMinor })}, ${`refund:${row.id}:${work.refundedMinor}`}) on conflict (idempotency_key) do nothing`;
    } else {
      await tx`update supporters set card_brand = 'visa', card_last4 = ${work.last4}, card_exp_month = 11, card_exp_year = 2030 where stripe_customer_id = ${work.customerId}`;
    }
    await tx`update provider_events set processed_at = now() where id = ${delivery.eventId}`;
  });
  return null;
}

// ---------------------------------------------------------------------------------------------

function summarise(label: string, deliveries: Delivery[], outcome: Outcome) {
  const rate = deliveries.length / outcome.seconds;
  console.log(
    `${label}: ${deliveries.length} deliveries in ${outcome.seconds.toFixed(1)} s = ${fmt(rate)} events/s; p50 ${fmt(percentile(outcome.latencies, 50), 1)} ms, p99 ${fmt(percentile(outcome.latencies, 99), 1)} ms; ${outcome.failures.length} failures`,
  );
  if (outcome.failures.length) console.log(`  first failures: ${outcome.failures.slice(0, 3).join(" | ")}`);
  return rate;
}

export const webhookBench: Bench = {
  name: "webhook",
  title:
    "Stripe webhook ingestion: events/s and p50/p99 from 32 senders, 20% duplicates, vs a minimal postgres.js writer",
  async run({ databaseUrl }) {
    ensureBuild();
    const sql = postgres(databaseUrl, { max: POOL, onnotice: () => {} });
    const stub = await startStripeStub();
    let server;
    try {
      const data = await sample(sql, 2000);
      const forBaseline = await makeDeliveries(sql, data, UNIQUE_EVENTS, 1, "baseline");
      const forApp = await makeDeliveries(sql, data, UNIQUE_EVENTS, 2, "app");
      console.log(
        `${UNIQUE_EVENTS} events + ${forApp.length - UNIQUE_EVENTS} duplicates each for the baseline and the app, ${SENDERS} senders`,
      );

      const baseline = await drive(forBaseline, SENDERS, (d) =>
        baselineApply(sql, d).catch((error: Error) => `baseline ${d.type}: ${error.message}`),
      );
      const baselineRate = summarise("baseline (postgres.js, same rows)", forBaseline, baseline);

      server = await startServer({
        DATABASE_URL: databaseUrl,
        STRIPE_SECRET_KEY: BENCH_STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
        STRIPE_API_BASE: stub.base,
        OUTBOX_POLL_MS: "3600000",
      });
      const url = `${server.origin}/webhooks/stripe`;
      const before = await sql<{ n: number }[]>`select count(*)::int as n from provider_events`;
      const app = await drive(forApp, SENDERS, async (d) => {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "stripe-signature": signStripePayload(d.body, BENCH_WEBHOOK_SECRET),
          },
          body: d.body,
        });
        const text = await response.text();
        return response.status === 200 ? null : `${d.type} ${response.status} ${text.slice(0, 120)}`;
      });
      const appRate = summarise("app (HTTP, signed)", forApp, app);
      const after = await sql<{ n: number }[]>`select count(*)::int as n from provider_events`;
      const recorded = after[0].n - before[0].n;
      if (recorded !== UNIQUE_EVENTS) console.log(`  warning: ${recorded} events recorded, ${UNIQUE_EVENTS} expected`);
      if (app.failures.length)
        throw new Error(
          `${app.failures.length} deliveries failed; first: ${app.failures[0]}\n${server.output().slice(-2000)}`,
        );

      const ratio = appRate / baselineRate;
      const p99 = percentile(app.latencies, 99);
      console.log(`ratio ${percent(ratio)}; Stripe stub answered ${await stub.stop()} calls`);
      const results: Result[] = [
        {
          benchmark: "1 webhook ingestion: rate",
          figure: `${fmt(appRate)} events/s (${fmt(UNIQUE_EVENTS)} + ${fmt(forApp.length - UNIQUE_EVENTS)} duplicates)`,
          baseline: `${fmt(baselineRate)} events/s (postgres.js, same rows)`,
          ratio,
          target: "≥ 35% of baseline",
          met: ratio >= 0.35,
        },
        {
          benchmark: "1 webhook ingestion: latency",
          figure: `p99 ${fmt(p99, 1)} ms, p50 ${fmt(percentile(app.latencies, 50), 1)} ms`,
          baseline: `p99 ${fmt(percentile(baseline.latencies, 99), 1)} ms`,
          target: "p99 < 50 ms",
          met: p99 < 50,
        },
      ];
      return results;
    } finally {
      await server?.stop();
      await stub.stop().catch(() => {});
      await sql.end();
    }
  },
};
