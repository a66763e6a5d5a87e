// Benchmark 1, webhook ingestion: a realistic mix of signed Stripe events, 20% of them delivered
// twice, from 8 and then 32 concurrent senders to a running server that does no background work.
// Figures: events/s, p50/p99 latency, and the server's and PostgreSQL's CPU per delivery.
// Baseline: a minimal idempotent ingest (the event id, a payment row, an outbox row in one
// transaction) through the same driver and pool size, measured in the same run with nothing else
// of ours running. Target: ≥ 35% of the baseline's rate, p99 < 50 ms, at both sender counts.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
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
import { fmt, type Result } from "./lib/report";
import { seededCheckoutId, seededCustomerId, seededSubscriptionId } from "./lib/seeded";
import { ensureBuild, startServer } from "./lib/server";
import { startStripeStub } from "./lib/stripe-stub";

const SENDER_COUNTS = [8, 32] as const;
const POOL = 10; // the app's default DATABASE_POOL_SIZE: the baseline gets the same
const UNIQUE_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 3000);
const DUPLICATE_SHARE = 0.2;

type Delivery = { eventId: string; type: string; body: string; duplicate: boolean };

type Sample = {
  subscriptions: {
    id: number;
    supporter_id: number;
    campaign_id: number;
    plan_id: number | null;
    kind: string;
    amount_minor: string;
    email: string;
  }[];
  gifts: { stripe_payment_intent_id: string; amount_minor: string }[];
  customers: { id: number; email: string }[];
  campaignId: number;
};

async function sample(sql: postgres.Sql, n: number): Promise<Sample> {
  // Live subscriptions, card gifts and customers of the seeded data set, picked at random.
  const subscriptions = await sql<Sample["subscriptions"]>`
    select s.id, s.supporter_id, s.campaign_id, s.plan_id, s.kind, s.amount_minor, p.email
    from subscriptions s tablesample bernoulli (20) join supporters p on p.id = s.supporter_id
    where s.status = 'active' and s.provider_subscription_id like 'sub_seed%' and p.email is not null limit ${n}`;
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
  /** Only the app reads them: the minimal ingest records events by id alone. */
  withCheckouts: boolean,
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
    provider_session_id: string;
  }[] = [];
  const usedSubscriptions = new Set<number>();
  const usedGifts = new Set<string>();
  for (let i = 0; i < unique; i++) {
    const roll = random();
    let event;
    if (roll < 0.4) {
      // Most gifts come from new people; some from supporters we know by their Stripe customer.
      const known = random() < 0.3 ? take(data.customers) : null;
      const email = known?.email ?? `bench-${label}-${i}-${randomUUID().slice(0, 8)}@example.net`;
      const customerId = known ? seededCustomerId(known.id) : `cus_bench${randomUUID().replace(/-/g, "").slice(0, 16)}`;
      const amount = [2500, 5000, 10000][i % 3];
      const feeCover = random() < 0.35 ? Math.round(amount * 0.0175) + 30 : 0;
      const checkoutId = randomUUID();
      const session = checkoutSessionObject({
        metadata: checkoutMetadata({ checkoutId, campaignId: data.campaignId, kind: "one_off" }),
        amountTotal: amount + feeCover,
        email,
        name: "Bench Donor",
        customer: customerId,
      });
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
        provider_session_id: session.id,
      });
      event = stripeEvent("checkout.session.completed", session);
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
        // Stripe names each invoice's customer by their own address.
        email: s.email,
        amount: Number(s.amount_minor),
        billingReason: "subscription_cycle",
        paidAt: now,
      });
      event = stripeEvent("invoice.paid", invoice);
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
    } else {
      const c = take(data.customers);
      const last4 = String(1000 + Math.floor(random() * 9000));
      event = stripeEvent(
        "payment_method.attached",
        paymentMethodObject({ customer: seededCustomerId(c.id), brand: "visa", last4, expMonth: 11, expYear: 2030 }),
      );
    }
    deliveries.push({ eventId: event.id, type: event.type, body: JSON.stringify(event), duplicate: false });
  }
  // The checkouts the gifts' readers started, written as the donate form writes them.
  for (let i = 0; withCheckouts && i < newCheckouts.length; i += 5000)
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

type Outcome = { seconds: number; latencies: number[]; failures: string[]; byType: Map<string, number[]> };

/** Runs `send` for every delivery from `senders` concurrent loops. */
async function drive(
  deliveries: Delivery[],
  senders: number,
  send: (delivery: Delivery) => Promise<string | null>,
): Promise<Outcome> {
  let next = 0;
  const latencies: number[] = [];
  const failures: string[] = [];
  const byType = new Map<string, number[]>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++];
        const t = performance.now();
        const failure = await send(delivery);
        const took = performance.now() - t;
        latencies.push(took);
        const kind = delivery.duplicate ? "duplicate" : delivery.type;
        const times = byType.get(kind) ?? [];
        times.push(took);
        byType.set(kind, times);
        if (failure) failures.push(failure);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies, failures, byType };
}

// ---------------------------------------------------------------------------------------------
// The baseline: a minimal idempotent ingest, what PostgreSQL itself can do with a delivery. One
// transaction: the event id inserted `on conflict do nothing`, and for a new event a payment row
// and an outbox row, in the app's tables (their indexes and the ledger's rollup triggers
// included), through the same driver and pool size as the app. No parsing, no signature, no HTTP.
// Its receipt numbers come from a sequence of its own (far above the app's), so the app's
// gapless series is left alone. The variant with the gapless counter row taken as the last
// statement is measured too, to show what a hot row in every transaction costs.

const BASELINE_RECEIPTS = "bench_baseline_receipt";

type Fixed = { supporterId: number; campaignId: number };

async function minimalIngest(
  sql: postgres.Sql,
  fixed: Fixed,
  delivery: Delivery,
  withCounter: boolean,
): Promise<string | null> {
  await sql.begin(async (tx) => {
    const recorded =
      await tx`insert into provider_events (id, type, provider_created_at, processed_at) values (${delivery.eventId}, ${delivery.type}, now(), now()) on conflict (id) do nothing returning id`;
    if (recorded.length === 0) return;
    const paymentId = `pi_base_${delivery.eventId}`;
    await tx`insert into payments (supporter_id, campaign_id, kind, method, provider, provider_payment_id, amount_minor, currency, receipt_number, paid_at)
      values (${fixed.supporterId}, ${fixed.campaignId}, 'one_off', 'card', 'stripe', ${paymentId}, 2500, 'AUD', nextval(${BASELINE_RECEIPTS}), now())`;
    await tx`insert into outbox (template, to_email, props, idempotency_key) values ('donation-receipt', 'baseline@example.net', ${tx.json({ paymentId })}, ${`receipt:${paymentId}`})`;
    if (withCounter) await tx`update counters set value = value + 1 where name = ${BASELINE_RECEIPTS}`;
  });
  return null;
}

async function prepareBaseline(sql: postgres.Sql, campaignId: number): Promise<Fixed> {
  await sql`create sequence if not exists ${sql(BASELINE_RECEIPTS)} start 2000000000`;
  await sql`insert into counters (name, value) values (${BASELINE_RECEIPTS}, 0) on conflict do nothing`;
  const [supporter] = await sql<
    { id: number }[]
  >`select id from supporters where erased_at is null order by id limit 1`;
  return { supporterId: supporter.id, campaignId };
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

/** CPU time (user + system, ms) used so far by these processes: /proc/<pid>/stat, fields 14 and 15. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * PostgreSQL's processes that work for this benchmark: the backends connected to its database and
 * the cluster's own (WAL writer, checkpointer, …), not those of other databases on the machine.
 */
async function postgresPids(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = current_database() or datname is null`;
  return rows.map((r) => r.pid);
}

/** The server's and PostgreSQL's CPU per delivery while `work` runs. */
async function measuringCpu<T>(sql: postgres.Sql, serverPid: number, deliveries: number, work: () => Promise<T>) {
  const before = new Map((await postgresPids(sql)).map((pid) => [pid, cpuMs([pid])]));
  const node0 = cpuMs([serverPid]);
  const own0 = process.cpuUsage();
  const result = await work();
  const nodeMs = cpuMs([serverPid]) - node0;
  const own = process.cpuUsage(own0);
  const senderMs = (own.user + own.system) / 1000 / deliveries;
  // Backends that connected during the run count from nothing.
  let postgresMs = 0;
  for (const pid of await postgresPids(sql)) postgresMs += cpuMs([pid]) - (before.get(pid) ?? 0);
  return { result, nodeMs: nodeMs / deliveries, postgresMs: postgresMs / deliveries, senderMs };
}

/** Sends a delivery to the app as Stripe does: a signed POST, over a kept-alive socket of `agent`. */
function poster(origin: string, agent: http.Agent) {
  const target = new URL("/webhooks/stripe", origin);
  return (d: Delivery) =>
    new Promise<string | null>((resolve, reject) => {
      const body = Buffer.from(d.body);
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": body.length,
            "stripe-signature": signStripePayload(d.body, BENCH_WEBHOOK_SECRET),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve(
              response.statusCode === 200
                ? null
                : `${d.type} ${response.statusCode} ${Buffer.concat(chunks).toString("utf8").slice(0, 120)}`,
            ),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
}

/** Two outcomes as one: the deliveries of both over the time of both. */
function pooled(a: Outcome, b: Outcome): Outcome {
  const byType = new Map(a.byType);
  for (const [kind, times] of b.byType) byType.set(kind, [...(byType.get(kind) ?? []), ...times]);
  return {
    seconds: a.seconds + b.seconds,
    latencies: [...a.latencies, ...b.latencies],
    failures: [...a.failures, ...b.failures],
    byType,
  };
}

export const webhookBench: Bench = {
  name: "webhook",
  title:
    "Stripe webhook ingestion: events/s and p50/p99 from 8 and 32 senders, 20% duplicates, vs a minimal idempotent ingest",
  async run({ databaseUrl }) {
    ensureBuild();
    const sql = postgres(databaseUrl, { max: POOL, onnotice: () => {} });
    const stub = await startStripeStub();
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    let agent: http.Agent | undefined;
    try {
      const data = await sample(sql, 2000);
      const fixed = await prepareBaseline(sql, data.campaignId);
      const sets = new Map<string, Delivery[]>();
      let seed = 1;
      // Each baseline measurement is split in two halves, one before and one after the app's run
      // at the same sender count, and the halves are pooled: the machine's speed drifts over a
      // minute (a server's CPU per delivery varied by a third between identical runs on one
      // machine), and a baseline measured on both sides of the app's run is set against the same
      // moments. Each half has 1.5 times the app's events, so the baseline, three times faster,
      // runs about as long in all as the app does. Warm-ups (JIT, the pool's connections and
      // prepared statements, index pages) are sent first, on events of their own, and not counted.
      const warmUp = Math.max(100, Math.round(UNIQUE_EVENTS / 6));
      const plan: [label: string, unique: number, app: boolean][] = [
        ["base-warm", 2 * warmUp, false],
        ["counter8", 3 * UNIQUE_EVENTS, false],
      ];
      for (const senders of SENDER_COUNTS)
        plan.push(
          [`base${senders}a`, Math.round(1.5 * UNIQUE_EVENTS), false],
          [`base${senders}b`, Math.round(1.5 * UNIQUE_EVENTS), false],
          [`warm${senders}`, warmUp, true],
          [`app${senders}`, UNIQUE_EVENTS, true],
        );
      for (const [label, unique, withCheckouts] of plan)
        sets.set(label, await makeDeliveries(sql, data, unique, seed++, label, withCheckouts));
      const deliveriesOf = (label: string) => sets.get(label)!;
      console.log(
        `${UNIQUE_EVENTS} events + ${deliveriesOf("app8").length - UNIQUE_EVENTS} duplicates per run of the app, each after a warm-up of ${warmUp} events; the baselines run with no server of ours running, half before and half after the app's run`,
      );
      const baselineRun = (label: string, senders: number, withCounter = false) =>
        drive(deliveriesOf(label), senders, (d) =>
          minimalIngest(sql, fixed, d, withCounter).catch((error: Error) => `baseline ${d.type}: ${error.message}`),
        );
      await baselineRun("base-warm", 8);
      const counterSet = deliveriesOf("counter8");
      const counterRate = summarise(
        "minimal ingest + gapless counter last, 8 senders",
        counterSet,
        await baselineRun("counter8", 8, true),
      );

      const results: Result[] = [];
      for (const senders of SENDER_COUNTS) {
        const before = await baselineRun(`base${senders}a`, senders);
        summarise(`minimal ingest, ${senders} senders, first half`, deliveriesOf(`base${senders}a`), before);

        server = await startServer({
          DATABASE_URL: databaseUrl,
          STRIPE_SECRET_KEY: BENCH_STRIPE_KEY,
          STRIPE_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
          STRIPE_API_BASE: stub.base,
        });
        // node:http with a keep-alive agent, one socket per sender: the senders share the two cores
        // with the server and PostgreSQL, and fetch (undici) spent about twice the CPU per delivery.
        agent = new http.Agent({ keepAlive: true, maxSockets: senders });
        const post = poster(server.origin, agent);
        const warm = await drive(deliveriesOf(`warm${senders}`), senders, post);
        if (warm.failures.length)
          throw new Error(`the warm-up failed: ${warm.failures[0]}\n${server.output().slice(-2000)}`);
        const set = deliveriesOf(`app${senders}`);
        const recordedBefore = await sql<{ n: number }[]>`select count(*)::int as n from provider_events`;
        const {
          result: app,
          nodeMs,
          postgresMs,
          senderMs,
        } = await measuringCpu(sql, server.pid, set.length, () => drive(set, senders, post));
        const recordedAfter = await sql<{ n: number }[]>`select count(*)::int as n from provider_events`;
        const peakRss = server.peakRssMb();
        const output = server.output();
        agent.destroy();
        await server.stop();
        server = undefined;

        const after = await baselineRun(`base${senders}b`, senders);
        summarise(`minimal ingest, ${senders} senders, second half`, deliveriesOf(`base${senders}b`), after);
        const base = pooled(before, after);
        const baseRate = summarise(
          `minimal ingest, ${senders} senders, both halves`,
          [...deliveriesOf(`base${senders}a`), ...deliveriesOf(`base${senders}b`)],
          base,
        );

        const appRate = summarise(`app (HTTP, signed), ${senders} senders`, set, app);
        const recorded = recordedAfter[0].n - recordedBefore[0].n;
        if (recorded !== UNIQUE_EVENTS)
          console.log(`  warning: ${recorded} events recorded, ${UNIQUE_EVENTS} expected`);
        if (app.failures.length)
          throw new Error(
            `${app.failures.length} deliveries failed; first: ${app.failures[0]}\n${output.slice(-2000)}`,
          );
        console.log(
          `  CPU per delivery: server ${fmt(nodeMs, 2)} ms, PostgreSQL ${fmt(postgresMs, 2)} ms, the senders (this process) ${fmt(senderMs, 2)} ms; the server's peak RSS ${fmt(peakRss)} MB`,
        );
        // Where the tail is: each kind of delivery's own latencies.
        for (const [kind, times] of [...app.byType].sort(([a], [b]) => a.localeCompare(b)))
          console.log(
            `  ${kind}: ${times.length}, p50 ${fmt(percentile(times, 50), 1)} ms, p99 ${fmt(percentile(times, 99), 1)} ms`,
          );
        const ratio = appRate / baseRate;
        const p99 = percentile(app.latencies, 99);
        results.push(
          {
            benchmark: `1 webhook ingestion, ${senders} senders: rate`,
            figure: `${fmt(appRate)} events/s (${fmt(UNIQUE_EVENTS)} + ${fmt(set.length - UNIQUE_EVENTS)} duplicates; CPU per delivery: server ${fmt(nodeMs, 2)} ms, PostgreSQL ${fmt(postgresMs, 2)} ms)`,
            baseline: `${fmt(baseRate)} events/s (minimal idempotent ingest, postgres.js, halves ${fmt(deliveriesOf(`base${senders}a`).length / before.seconds)} and ${fmt(deliveriesOf(`base${senders}b`).length / after.seconds)}; with the gapless counter last, 8 senders: ${fmt(counterRate)})`,
            ratio,
            target: "≥ 35% of baseline",
            met: ratio >= 0.35,
          },
          {
            benchmark: `1 webhook ingestion, ${senders} senders: latency`,
            figure: `p99 ${fmt(p99, 1)} ms, p50 ${fmt(percentile(app.latencies, 50), 1)} ms`,
            baseline: `p99 ${fmt(percentile(base.latencies, 99), 1)} ms`,
            target: "p99 < 50 ms",
            met: p99 < 50,
          },
        );
      }
      console.log(`Stripe stub answered ${await stub.stop()} calls`);
      return results;
    } finally {
      agent?.destroy();
      await server?.stop();
      await stub.stop().catch(() => {});
      await sql.end();
    }
  },
};
