import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import type { DB } from "@db/client.server";
import {
  campaigns,
  checkouts,
  outbox,
  payments,
  plans,
  providerEvents,
  receipts,
  subscriptions,
  supporters,
} from "@db/schema";
import { seedDemoData } from "@db/seed";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { refundMovements } from "~/reports/statement.server";
import { listEntitlements } from "~/supporters/entitlements.server";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  paymentIntentObject,
  refundObject,
  stripeEvent,
  sessionIdFor,
  stripeId,
  subscriptionObject,
  type StripeEventEnvelope,
} from "../mocks/stripe";

/**
 * Realistic Stripe histories for a few supporters, for the exactly-once properties: a script
 * (what happened to each gift, drawn by fast-check) becomes the events Stripe would send, in
 * the order Stripe created them, plus the checkouts our app wrote before sending people to pay.
 */

const DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Scripts: what happened, in words fast-check can draw and shrink.

type Payment = "card" | "async_succeeds" | "async_fails";

export type OneOffScript = {
  kind: "one_off" | "tier_one_time";
  planCode: "digital-year" | "print-year" | null;
  amountMinor: number;
  feeCoverMinor: number;
  payment: Payment;
  /** Refunds as percentages of the charge; applied as a growing running total. */
  refundPercents: number[];
  /**
   * A one-off gift may be in euros to the AUD campaign (ADR 050); Stripe settles it into AUD at
   * `ratePermille` / 1000, and says so on charge.updated (after a charge.succeeded without it).
   */
  currency?: "AUD" | "EUR";
  ratePermille?: number;
};

export type MonthScript = {
  /** Before this month's invoice: a new monthly amount (gifts) or the other tier (tiers). */
  change: "none" | "amount" | "tier";
  newAmountMinor: number;
  paused: boolean;
  /** Failed attempts of this month's invoice before it was paid (or the subscription gave up). */
  failures: number;
  recovered: boolean;
  /** A refund of this month's invoice, as a percentage; 0 = none. */
  refundPercent: number;
};

export type MonthlyScript = {
  kind: "monthly" | "tier_monthly";
  planCode: "digital-monthly" | "print-monthly" | null;
  amountMinor: number;
  /** Checkout creates and activates the subscription within one second more often than not. */
  activatedInSameSecond: boolean;
  firstRefundPercent: number;
  months: MonthScript[];
  ending: "running" | "cancel_at_period_end" | "deleted";
};

export type GiftScript = (OneOffScript | MonthlyScript) & { startDay: number };
const isOneOff = (gift: GiftScript): gift is OneOffScript & { startDay: number } =>
  gift.kind === "one_off" || gift.kind === "tier_one_time";
export type SupporterScript = { name: string; gifts: GiftScript[] };
export type WorldScript = { supporters: SupporterScript[] };

const refundPercent = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(25, 50, 100) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) },
);

const oneOffScript: fc.Arbitrary<OneOffScript> = fc.oneof(
  fc.record({
    kind: fc.constant("one_off" as const),
    planCode: fc.constant(null),
    amountMinor: fc.integer({ min: 500, max: 50_000 }),
    feeCoverMinor: fc.constantFrom(0, 0, 118, 245),
    payment: fc.constantFrom<Payment>("card", "card", "async_succeeds", "async_fails"),
    refundPercents: fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 2 }),
    currency: fc.constantFrom("AUD" as const, "AUD" as const, "EUR" as const),
    ratePermille: fc.integer({ min: 1500, max: 1800 }),
  }),
  fc.record({
    kind: fc.constant("tier_one_time" as const),
    planCode: fc.constantFrom("digital-year" as const, "print-year" as const),
    amountMinor: fc.constant(0), // the plan's amount
    feeCoverMinor: fc.constant(0),
    payment: fc.constantFrom<Payment>("card", "card", "async_succeeds"),
    refundPercents: fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 1 }),
    currency: fc.constant("AUD" as const),
    ratePermille: fc.constant(1000),
  }),
);

const monthScript: fc.Arbitrary<MonthScript> = fc.record({
  change: fc.constantFrom("none", "none", "amount", "tier"),
  newAmountMinor: fc.integer({ min: 500, max: 10_000 }),
  paused: fc.constantFrom(false, false, false, true),
  failures: fc.constantFrom(0, 0, 0, 1, 2),
  recovered: fc.constantFrom(true, true, false),
  refundPercent,
});

const monthlyScript: fc.Arbitrary<MonthlyScript> = fc
  .record({
    tier: fc.boolean(),
    planCode: fc.constantFrom("digital-monthly" as const, "print-monthly" as const),
    amountMinor: fc.integer({ min: 500, max: 10_000 }),
    activatedInSameSecond: fc.boolean(),
    firstRefundPercent: refundPercent,
    months: fc.array(monthScript, { maxLength: 3 }),
    ending: fc.constantFrom(
      "running" as const,
      "running" as const,
      "cancel_at_period_end" as const,
      "deleted" as const,
    ),
  })
  .map(({ tier, planCode, ...rest }) => ({
    ...rest,
    kind: tier ? ("tier_monthly" as const) : ("monthly" as const),
    planCode: tier ? planCode : null,
  }));

const giftScript: fc.Arbitrary<GiftScript> = fc
  .tuple(fc.oneof(oneOffScript, monthlyScript), fc.integer({ min: 0, max: 20 }))
  .map(([gift, startDay]) => ({ ...gift, startDay }));

const NAMES = [
  "Rosa Reader",
  "Ana Ito",
  "Kwame Mensah",
  "Li Wei",
  "Siobhán Ní Bhriain",
  "Mehmet Öz",
  "Aroha Ngata",
  "Jo Bloggs",
];

/** Two to four supporters, most with one gift, some with two. */
export const worldScript: fc.Arbitrary<WorldScript> = fc.record({
  supporters: fc.array(
    fc.record({ name: fc.constantFrom(...NAMES), gifts: fc.array(giftScript, { minLength: 1, maxLength: 2 }) }),
    { minLength: 2, maxLength: 4 },
  ),
});

// ---------------------------------------------------------------------------------------------
// Histories: the events Stripe sends for a script.

type PlanRow = typeof plans.$inferSelect;
export type HistoryContext = { campaignId: number; plan: (code: string) => PlanRow; start: number };

export type History = {
  checkouts: (typeof checkouts.$inferInsert & { id: string })[];
  /** In the order Stripe created them (ties broken by the order things happened). */
  events: StripeEventEnvelope[];
  /** What Stripe's invoice_payments list knows: the PaymentIntent that paid each invoice. */
  invoicePayments: { invoice: string; paymentIntent: string; amount: number; checkoutId: string }[];
  /** Each supporter's email and the Stripe customers their gifts made. */
  people: { email: string; customers: string[] }[];
  /** A moment after the last event: entitlements are read at this time. */
  now: Date;
};

const PRINT_ADDRESS = {
  name: "",
  address: { line1: "12 Printers Lane", city: "Fitzroy", state: "VIC", postal_code: "3065", country: "AU" },
};

/** Builds the history. Ids are fresh each time, so a history can be built again for a retry. */
export function buildHistory(world: WorldScript, context: HistoryContext): History {
  const timeline: { at: number; seq: number; event: StripeEventEnvelope }[] = [];
  let seq = 0;
  const emit = (at: number, type: string, object: unknown) =>
    timeline.push({ at, seq: seq++, event: stripeEvent(type, structuredClone(object), { created: at }) });
  const history: History = { checkouts: [], events: [], invoicePayments: [], people: [], now: new Date() };

  // The reader starts each checkout on our page just before its first event: a person's checkouts
  // that start in the same second were started in the order they are built (and emitted).
  const startedAt = (start: number) => new Date(start * 1000 - 1000 + history.checkouts.length);

  world.supporters.forEach((person, index) => {
    const email = `supporter.${index}.${randomUUID().slice(0, 8)}@example.net`;
    const customers: string[] = [];
    for (const gift of person.gifts) {
      const customer = stripeId("cus", 14);
      customers.push(customer);
      const start = context.start + gift.startDay * DAY + index * 60;
      if (isOneOff(gift)) buildOneOff(gift, { email, name: person.name, customer, start });
      else buildMonthly(gift as MonthlyScript, { email, name: person.name, customer, start });
    }
    history.people.push({ email, customers });
  });

  function buildOneOff(gift: OneOffScript, who: { email: string; name: string; customer: string; start: number }) {
    const plan = gift.planCode ? context.plan(gift.planCode) : null;
    const amountMinor = plan ? plan.amountMinor : gift.amountMinor;
    const checkoutId = randomUUID();
    history.checkouts.push({
      id: checkoutId,
      campaignId: context.campaignId,
      planId: plan?.id ?? null,
      kind: gift.kind,
      amountMinor,
      feeCoverMinor: gift.feeCoverMinor,
      currency: gift.currency ?? "AUD",
      email: who.email,
      name: who.name,
      provider: "stripe",
      createdAt: startedAt(who.start),
    });
    const metadata = checkoutMetadata({
      checkoutId,
      campaignId: context.campaignId,
      planId: plan?.id ?? null,
      kind: gift.kind,
    });
    const total = amountMinor + gift.feeCoverMinor;
    const paymentIntent = stripeId("pi");
    const shipping = plan?.tier === "print" ? { ...PRINT_ADDRESS, name: who.name } : null;
    const session = (paymentStatus: "paid" | "unpaid") =>
      checkoutSessionObject({
        metadata,
        mode: "payment",
        amountTotal: total,
        currency: (gift.currency ?? "AUD").toLowerCase(),
        paymentIntent,
        customer: who.customer,
        email: who.email,
        name: who.name,
        paymentStatus,
        shipping,
      });
    const intent = (status: "succeeded" | "processing" | "requires_payment_method") =>
      paymentIntentObject({ id: paymentIntent, amount: total, customer: who.customer, status, metadata });

    let paidAt: number | null = null;
    if (gift.payment === "card") {
      emit(who.start, "checkout.session.completed", session("paid"));
      emit(who.start, "payment_intent.succeeded", intent("succeeded"));
      paidAt = who.start;
    } else {
      emit(who.start, "checkout.session.completed", session("unpaid"));
      emit(who.start, "payment_intent.processing", intent("processing"));
      const settled = who.start + 2 * DAY;
      if (gift.payment === "async_succeeds") {
        emit(settled, "checkout.session.async_payment_succeeded", session("paid"));
        emit(settled, "payment_intent.succeeded", intent("succeeded"));
        paidAt = settled;
      } else {
        emit(settled, "checkout.session.async_payment_failed", session("unpaid"));
        emit(settled, "payment_intent.payment_failed", intent("requires_payment_method"));
      }
    }
    if (paidAt === null) return;
    const charge = stripeId("ch");
    // The charge, then its balance transaction a moment later (asynchronous capture): the
    // transaction expanded here, as a retrieve would give it.
    const chargeSeen = {
      ...chargeObject({
        id: charge,
        paymentIntent,
        amount: total,
        amountRefunded: 0,
        currency: (gift.currency ?? "AUD").toLowerCase(),
        customer: who.customer,
        metadata,
      }),
      balance_transaction: null as unknown,
    };
    emit(paidAt, "charge.succeeded", chargeSeen);
    const converted = (gift.currency ?? "AUD") !== "AUD";
    const ratePermille = gift.ratePermille ?? 1000;
    emit(paidAt + 60, "charge.updated", {
      ...chargeSeen,
      balance_transaction: {
        id: stripeId("txn"),
        object: "balance_transaction",
        amount: converted ? Math.round((total * ratePermille) / 1000) : total,
        currency: "aud",
        exchange_rate: converted ? ratePermille / 1000 : null,
        created: paidAt + 60,
      },
    });
    // A one-off charge carries its PaymentIntent's metadata, so the refund names our checkout.
    emitRefunds({
      charge,
      paymentIntent,
      amount: total,
      customer: who.customer,
      metadata,
      percents: gift.refundPercents,
      from: paidAt + 5 * DAY,
    });
  }

  function emitRefunds(input: {
    charge: string;
    paymentIntent: string;
    amount: number;
    customer: string;
    metadata: Record<string, string>;
    percents: number[];
    from: number;
  }) {
    const totals = [...new Set(input.percents.map((p) => Math.max(1, Math.floor((input.amount * p) / 100))))].sort(
      (a, b) => a - b,
    );
    let previous = 0;
    totals.forEach((total, i) => {
      const at = input.from + i * DAY;
      emit(
        at,
        "refund.created",
        refundObject({ charge: input.charge, paymentIntent: input.paymentIntent, amount: total - previous }),
      );
      emit(
        at,
        "charge.refunded",
        chargeObject({
          id: input.charge,
          paymentIntent: input.paymentIntent,
          amount: input.amount,
          amountRefunded: total,
          customer: input.customer,
          metadata: input.metadata,
        }),
      );
      previous = total;
    });
  }

  function buildMonthly(gift: MonthlyScript, who: { email: string; name: string; customer: string; start: number }) {
    let plan = gift.planCode ? context.plan(gift.planCode) : null;
    const checkoutId = randomUUID();
    const initialAmount = plan ? plan.amountMinor : gift.amountMinor;
    history.checkouts.push({
      id: checkoutId,
      campaignId: context.campaignId,
      planId: plan?.id ?? null,
      kind: gift.kind,
      amountMinor: initialAmount,
      feeCoverMinor: 0,
      currency: "AUD",
      email: who.email,
      name: who.name,
      provider: "stripe",
      createdAt: startedAt(who.start),
    });
    const metadata = checkoutMetadata({
      checkoutId,
      campaignId: context.campaignId,
      planId: plan?.id ?? null,
      kind: gift.kind,
    });
    const subscriptionId = stripeId("sub");
    const giftPriceId = stripeId("price");
    const state = {
      status: "incomplete" as Parameters<typeof subscriptionObject>[0]["status"],
      amount: initialAmount,
      periodEnd: who.start + 30 * DAY,
      cancelAtPeriodEnd: false,
      pauseResumesAt: null as number | null,
    };
    const subscriptionEvent = (type: string, at: number) =>
      emit(
        at,
        type,
        subscriptionObject({
          id: subscriptionId,
          metadata,
          customer: who.customer,
          status: state.status,
          unitAmount: state.amount,
          currentPeriodEnd: state.periodEnd,
          cancelAtPeriodEnd: state.cancelAtPeriodEnd,
          pauseResumesAt: state.pauseResumesAt,
          priceId: plan ? `price_${plan.lookupKey}` : giftPriceId,
          lookupKey: plan?.lookupKey ?? null,
          created: who.start,
        }),
      );
    // Webhook payloads leave invoice.payments out unless expanded: refunds are traced through Stripe.
    const invoice = (input: {
      id: string;
      at: number;
      reason: "subscription_create" | "subscription_cycle";
      paid: boolean;
      attempt?: number;
      nextAttempt?: number | null;
    }) => {
      const { payments: _notExpanded, ...object } = invoiceObject({
        id: input.id,
        metadata,
        subscription: subscriptionId,
        customer: who.customer,
        amount: state.amount,
        billingReason: input.reason,
        status: input.paid ? "paid" : "open",
        paymentIntent: null,
        attemptCount: input.attempt ?? 1,
        nextPaymentAttempt: input.nextAttempt ?? null,
        paidAt: input.paid ? input.at : null,
        email: who.email,
      });
      return object;
    };
    const paidInvoice = (input: {
      at: number;
      reason: "subscription_create" | "subscription_cycle";
      id?: string;
      refundPercent: number;
    }) => {
      const id = input.id ?? stripeId("in");
      const paymentIntent = stripeId("pi");
      history.invoicePayments.push({ invoice: id, paymentIntent, amount: state.amount, checkoutId });
      emit(input.at, "invoice.paid", invoice({ id, at: input.at, reason: input.reason, paid: true }));
      // An invoice's charge carries no metadata of ours: only Stripe knows which invoice it paid.
      if (input.refundPercent > 0)
        emitRefunds({
          charge: stripeId("ch"),
          paymentIntent,
          amount: state.amount,
          customer: who.customer,
          metadata: {},
          percents: [input.refundPercent],
          from: input.at + 2 * DAY,
        });
      return id;
    };

    subscriptionEvent("customer.subscription.created", who.start);
    const activatedAt = gift.activatedInSameSecond ? who.start : who.start + 1;
    state.status = "active";
    subscriptionEvent("customer.subscription.updated", activatedAt);
    const firstInvoice = stripeId("in");
    paidInvoice({
      id: firstInvoice,
      at: who.start + 1,
      reason: "subscription_create",
      refundPercent: gift.firstRefundPercent,
    });
    const shipping = plan?.tier === "print" ? { ...PRINT_ADDRESS, name: who.name } : null;
    emit(
      who.start + 1,
      "checkout.session.completed",
      checkoutSessionObject({
        metadata,
        mode: "subscription",
        amountTotal: initialAmount,
        invoice: firstInvoice,
        subscription: subscriptionId,
        customer: who.customer,
        email: who.email,
        name: who.name,
        shipping,
      }),
    );

    let last = who.start + 1;
    for (const [i, month] of gift.months.entries()) {
      const due = who.start + (i + 1) * 30 * DAY;
      if (month.change === "amount" && !plan) {
        state.amount = month.newAmountMinor;
        subscriptionEvent("customer.subscription.updated", due - 10 * DAY);
      } else if (month.change === "tier" && plan) {
        plan = context.plan(plan.code === "digital-monthly" ? "print-monthly" : "digital-monthly");
        state.amount = plan.amountMinor;
        subscriptionEvent("customer.subscription.updated", due - 10 * DAY);
      }
      if (month.paused) {
        // behavior "void": the month's invoice is voided, the period still rolls on.
        state.pauseResumesAt = due + 20 * DAY;
        subscriptionEvent("customer.subscription.updated", due - 5 * DAY);
        state.periodEnd = due + 30 * DAY;
        subscriptionEvent("customer.subscription.updated", due);
        state.pauseResumesAt = null;
        subscriptionEvent("customer.subscription.updated", due + 20 * DAY);
        last = due + 20 * DAY;
        continue;
      }
      if (month.failures > 0) {
        const id = stripeId("in");
        state.status = "past_due";
        state.periodEnd = due + 30 * DAY;
        subscriptionEvent("customer.subscription.updated", due);
        for (let attempt = 1; attempt <= month.failures; attempt++) {
          const moreTries = attempt < month.failures || month.recovered;
          emit(
            due + (attempt - 1) * 3 * DAY,
            "invoice.payment_failed",
            invoice({
              id,
              at: due,
              reason: "subscription_cycle",
              paid: false,
              attempt,
              nextAttempt: moreTries ? due + attempt * 3 * DAY : null,
            }),
          );
        }
        const settled = due + month.failures * 3 * DAY;
        if (!month.recovered) {
          // Stripe's retries ran out: the subscription is cancelled.
          state.status = "canceled";
          subscriptionEvent("customer.subscription.deleted", settled + 1);
          return;
        }
        paidInvoice({ id, at: settled, reason: "subscription_cycle", refundPercent: month.refundPercent });
        state.status = "active";
        subscriptionEvent("customer.subscription.updated", settled);
        last = settled;
        continue;
      }
      paidInvoice({ at: due, reason: "subscription_cycle", refundPercent: month.refundPercent });
      state.periodEnd = due + 30 * DAY;
      subscriptionEvent("customer.subscription.updated", due);
      last = due;
    }
    if (gift.ending === "cancel_at_period_end") {
      state.cancelAtPeriodEnd = true;
      subscriptionEvent("customer.subscription.updated", last + 5 * DAY);
      state.status = "canceled";
      subscriptionEvent("customer.subscription.deleted", state.periodEnd);
    } else if (gift.ending === "deleted") {
      state.status = "canceled";
      subscriptionEvent("customer.subscription.deleted", last + 7 * DAY);
    }
  }

  timeline.sort((a, b) => a.at - b.at || a.seq - b.seq);
  history.events = timeline.map((t) => t.event);
  const lastAt = timeline.at(-1)?.at ?? context.start;
  history.now = new Date((lastAt + 40 * DAY) * 1000);
  return history;
}

// ---------------------------------------------------------------------------------------------
// A fresh ledger between runs: every table emptied, the demo organisation seeded again.

/**
 * Every table of the schema emptied and every sequence its columns own restarted, in one round
 * trip: what `truncate … restart identity cascade` leaves, at a tenth of its cost on PostgreSQL
 * (a truncate makes new files for every table and index, ~0.3 s here; these tables hold a few
 * dozen rows). As with a truncate, no row trigger or foreign-key check runs while emptying.
 */
const EMPTY_ALL_TABLES = sql.raw(`DO $$
DECLARE r record;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DELETE FROM %I', r.tablename);
  END LOOP;
  FOR r IN SELECT s.relname FROM pg_class s
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
      JOIN pg_class t ON t.oid = d.refobjid
      WHERE s.relkind = 'S' AND t.relnamespace = current_schema()::regnamespace LOOP
    EXECUTE format('ALTER SEQUENCE %I RESTART', r.relname);
  END LOOP;
  PERFORM set_config('session_replication_role', 'origin', true);
END
$$`);

/**
 * Empties every table (identities restarted) and seeds the demo data again, so campaign and
 * plan ids are the same as before. Far cheaper than a new database.
 */
export async function resetToSeed(db: DB) {
  await db.execute(EMPTY_ALL_TABLES);
  await seedDemoData(db);
}

/** Writes the history's checkouts, as the donate form did before sending each reader to Stripe. */
export async function writeCheckouts(db: DB, history: History) {
  if (history.checkouts.length > 0)
    await db.insert(checkouts).values(history.checkouts.map((c) => ({ providerSessionId: sessionIdFor(c.id), ...c })));
}

// ---------------------------------------------------------------------------------------------
// A snapshot of everything a delivery can change, with serial ids and random tokens left out.

export async function ledgerSnapshot(db: DB, history: History) {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.isDefault, true));
  const paymentRows = await db
    .select({
      payment: payments,
      planCode: plans.code,
      email: supporters.email,
      profileLine1: supporters.addressLine1,
      providerSubscriptionId: subscriptions.providerSubscriptionId,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .leftJoin(subscriptions, eq(subscriptions.id, payments.subscriptionId));
  const providerIdOf = new Map(paymentRows.map((r) => [r.payment.id, r.payment.providerPaymentId]));
  const ledger = Object.fromEntries(
    paymentRows
      .map(
        ({ payment: p, planCode, email, profileLine1, providerSubscriptionId }) =>
          [
            p.providerPaymentId,
            {
              stripePaymentIntentId: p.stripePaymentIntentId,
              checkoutId: p.checkoutId,
              kind: p.kind,
              plan: planCode,
              supporter: email,
              subscription: providerSubscriptionId,
              amountMinor: p.amountMinor,
              feeCoverMinor: p.feeCoverMinor,
              refundedMinor: p.refundedMinor,
              currency: p.currency,
              settledAmountMinor: p.settledAmountMinor,
              settledCurrency: p.settledCurrency,
              paidAt: p.paidAt.toISOString(),
              coversUntil: p.coversUntil?.toISOString() ?? null,
              // A print year's editions go to its own address, else the profile's (ADR 027); a
              // subscription's payments follow their subscription (below).
              deliveredTo:
                p.kind === "tier_one_time" && planCode?.startsWith("print")
                  ? (p.deliveryAddress?.line1 ?? profileLine1)
                  : null,
              message: p.message,
            },
          ] as const,
      )
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

  const receiptRows = await db
    .select({ paymentId: receipts.paymentId, receiptNumber: receipts.receiptNumber, snapshot: receipts.snapshot })
    .from(receipts);
  const receiptsByPayment = Object.fromEntries(
    receiptRows
      .map((r) => {
        const s = r.snapshot as {
          amountMinor: number;
          description: string;
          frequency: string;
          donor: { email: string; name: string | null };
        };
        return [
          providerIdOf.get(r.paymentId) ?? `unknown:${r.paymentId}`,
          { amountMinor: s.amountMinor, description: s.description, frequency: s.frequency, donor: s.donor },
        ] as const;
      })
      .sort(([a], [b]) => a.localeCompare(b)),
  );

  const subscriptionRows = await db
    .select({
      row: subscriptions,
      planCode: plans.code,
      email: supporters.email,
      profileLine1: supporters.addressLine1,
    })
    .from(subscriptions)
    .innerJoin(supporters, eq(supporters.id, subscriptions.supporterId))
    .leftJoin(plans, eq(plans.id, subscriptions.planId));
  const subscriptionState = Object.fromEntries(
    subscriptionRows
      .map(
        ({ row: s, planCode, email, profileLine1 }) =>
          [
            s.providerSubscriptionId,
            {
              supporter: email,
              kind: s.kind,
              plan: planCode,
              status: s.status,
              amountMinor: s.amountMinor,
              currency: s.currency,
              currentPeriodEnd: s.currentPeriodEnd?.toISOString() ?? null,
              cancelAtPeriodEnd: s.cancelAtPeriodEnd,
              pausedUntil: s.pausedUntil?.toISOString() ?? null,
              providerUpdatedAt: s.providerUpdatedAt.toISOString(),
              deliveredTo: planCode?.startsWith("print") ? (s.deliveryAddress?.line1 ?? profileLine1) : null,
            },
          ] as const,
      )
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

  const supporterRows = await db.select().from(supporters);
  const people = Object.fromEntries(
    await Promise.all(
      supporterRows
        .sort((a, b) => String(a.email).localeCompare(String(b.email)))
        .map(async (s) => {
          const entitlements = (await listEntitlements(db, { supporterId: s.id, now: history.now }))
            .map((e) => ({
              tier: e.tier,
              planName: e.planName,
              source: e.source,
              until: e.until?.toISOString() ?? null,
            }))
            .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
          // Which of their Stripe customers is remembered may follow delivery order; it must be theirs.
          const customers = history.people.find((p) => p.email === s.email)?.customers ?? [];
          const customerIsTheirs = s.stripeCustomerId === null || customers.includes(s.stripeCustomerId);
          // The profile's details are those of the person's first-started checkout, whichever of
          // their checkouts' events came first (ADR 034).
          return [
            s.email ?? `#${s.id}`,
            { name: s.name, anonymous: s.anonymous, address: s.addressLine1, customerIsTheirs, entitlements },
          ] as const;
        }),
    ),
  );

  const mail = await db
    .select({ template: outbox.template, key: outbox.idempotencyKey, to: outbox.toEmail, props: outbox.props })
    .from(outbox);
  const normaliseKey = (key: string) =>
    key.replace(
      /^(receipt|refund):(\d+)/,
      (_, kind: string, id: string) => `${kind}:${providerIdOf.get(Number(id)) ?? `unknown-payment-${id}`}`,
    );
  // Refund confirmations follow the running total Stripe reports: refunds delivered out of order
  // may be confirmed together in one email. What must hold is that they add up, exactly.
  const refundMail: Record<string, { confirmedMinor: number; lastTotalMinor: number }> = {};
  for (const m of mail.filter((m) => m.template === "refund-confirmation")) {
    const payment = normaliseKey(m.key).split(":")[1];
    const props = m.props as { refundMinor: number; refundedTotalMinor: number };
    const entry = (refundMail[payment] ??= { confirmedMinor: 0, lastTotalMinor: 0 });
    entry.confirmedMinor += props.refundMinor;
    entry.lastTotalMinor = Math.max(entry.lastTotalMinor, props.refundedTotalMinor);
  }
  const otherMail = mail
    .filter((m) => m.template !== "refund-confirmation")
    .map((m) => `${m.template} ${normaliseKey(m.key)} → ${m.to}`)
    .sort();

  // The statement's dated refunds (ADR 046): derived from what each event said and when, so the
  // same whatever order the events came in.
  const refundRows: Record<string, { at: string; amountMinor: number }[]> = {};
  for (const m of await refundMovements(db, { from: new Date(0), to: new Date("2200-01-01T00:00:00Z") }))
    (refundRows[providerIdOf.get(m.paymentId) ?? `unknown:${m.paymentId}`] ??= []).push({
      at: m.at.toISOString(),
      amountMinor: m.amountMinor,
    });

  // Every payment's number is its receipt's, its snapshot's and its receipt email's, and numbers
  // rise with the order payments were recorded in (their ids): taken in the statement that
  // inserts the payment, under the counter's lock (ADR 054). Empty when all of that holds.
  const numbering: string[] = [];
  const numbered = await db
    .select({ id: payments.id, number: payments.receiptNumber })
    .from(payments)
    .orderBy(payments.id);
  const receiptOf = new Map(receiptRows.map((r) => [r.paymentId, r]));
  const mailOf = new Map(
    mail.filter((m) => m.key.startsWith("receipt:")).map((m) => [Number(m.key.slice("receipt:".length)), m]),
  );
  numbered.forEach((payment, i) => {
    const receipt = receiptOf.get(payment.id);
    const shown = (receipt?.snapshot as { receiptNumber?: number } | undefined)?.receiptNumber;
    const emailed = (mailOf.get(payment.id)?.props as { receipt?: { receiptNumber?: number } } | undefined)?.receipt
      ?.receiptNumber;
    const name = providerIdOf.get(payment.id) ?? payment.id;
    if (receipt?.receiptNumber !== payment.number || shown !== payment.number)
      numbering.push(`payment ${name}: number ${payment.number}, receipt ${receipt?.receiptNumber}, snapshot ${shown}`);
    if (mailOf.has(payment.id) && emailed !== payment.number)
      numbering.push(`payment ${name}: number ${payment.number}, its receipt email says ${emailed}`);
    const before = numbered[i - 1];
    if (before && before.number > payment.number)
      numbering.push(`payment ${name} was recorded after number ${before.number} but has ${payment.number}`);
  });

  const progress = await getCampaignProgress(db, campaign);
  const checkoutRows = await db.select({ id: checkouts.id, status: checkouts.status }).from(checkouts);
  const events = await db.select({ id: providerEvents.id }).from(providerEvents);

  return {
    ledger,
    receipts: receiptsByPayment,
    receiptNumbers: receiptRows.map((r) => r.receiptNumber).sort((a, b) => a - b),
    numbering,
    subscriptions: subscriptionState,
    supporters: people,
    campaign: { raisedMinor: progress.raisedMinor, supporters: progress.supporters },
    checkouts: Object.fromEntries(checkoutRows.map((c) => [c.id, c.status]).sort(([a], [b]) => a.localeCompare(b))),
    mail: otherMail,
    refundMail: Object.fromEntries(Object.entries(refundMail).sort(([a], [b]) => a.localeCompare(b))),
    refundRows: Object.fromEntries(Object.entries(refundRows).sort(([a], [b]) => a.localeCompare(b))),
    providerEvents: events.map((e) => e.id).sort(),
  };
}

export type LedgerSnapshot = Awaited<ReturnType<typeof ledgerSnapshot>>;

/** What must hold in any snapshot, whatever the delivery order. */
export function snapshotInvariants(snapshot: LedgerSnapshot) {
  const problems: string[] = [];
  const n = snapshot.receiptNumbers.length;
  if (snapshot.receiptNumbers.some((number, i) => number !== i + 1))
    problems.push(`receipt numbers are not 1…${n}: ${snapshot.receiptNumbers.join(",")}`);
  if (n !== Object.keys(snapshot.ledger).length)
    problems.push("a payment without a receipt (or a receipt without a payment)");
  const receiptMail = snapshot.mail.filter((m) =>
    /^(donation-receipt|recurring-receipt|supporter-welcome) receipt:/.test(m),
  );
  if (receiptMail.length !== n) problems.push(`${receiptMail.length} receipt emails for ${n} payments`);
  problems.push(...snapshot.numbering);
  for (const [payment, entry] of Object.entries(snapshot.ledger)) {
    const mail = snapshot.refundMail[payment];
    if ((mail?.confirmedMinor ?? 0) !== entry.refundedMinor)
      problems.push(`payment ${payment}: refunded ${entry.refundedMinor}, confirmed ${mail?.confirmedMinor ?? 0}`);
  }
  for (const [payment, entry] of Object.entries(snapshot.ledger)) {
    const dated = (snapshot.refundRows[payment] ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
    if (dated !== entry.refundedMinor)
      problems.push(`payment ${payment}: refunded ${entry.refundedMinor}, dated refunds ${dated}`);
  }
  for (const [email, person] of Object.entries(snapshot.supporters))
    if (!person.customerIsTheirs) problems.push(`${email} holds another person's Stripe customer`);
  // In the campaign's AUD: a euro gift at what Stripe settled, net in the same proportion (ADR 050).
  const net = Object.values(snapshot.ledger).reduce((sum, p) => {
    const paid = Math.max(p.amountMinor - p.refundedMinor - p.feeCoverMinor, 0);
    if (p.currency === "AUD") return sum + paid;
    if (p.settledCurrency !== "AUD" || p.settledAmountMinor === null) return sum;
    // Rounded half up, in integers, as the rollup's numeric round() does for these positive amounts.
    return sum + Math.floor((2 * p.settledAmountMinor * paid + p.amountMinor) / (2 * p.amountMinor));
  }, 0);
  if (net !== snapshot.campaign.raisedMinor)
    problems.push(`campaign shows ${snapshot.campaign.raisedMinor}, the ledger adds up to ${net}`);
  return problems;
}
