// `npm run bench:seed`: fills an empty PostgreSQL database (DATABASE_URL) with a national
// campaign's data: 1,000,000 supporters, 5,000,000 payments over five years, 150,000 live
// subscriptions (monthly gifts, digital and print tiers), 20,000 phone pledges, a receipt per
// payment and the last three months' receipt emails. BENCH_SCALE=0.1 makes a tenth of it.
// Loaded with COPY; every constraint of db/schema.ts holds (receipt numbers gapless and the
// counter advanced, unique Stripe ids, refunds within amounts, …). Deterministic for a scale.
import postgres from "postgres";
import { openDatabase } from "@db/client.server";
import { seedDemoData } from "@db/seed";
import { createStaffUser } from "~/auth/staff-auth.server";
import { copyInto, type CopyValue } from "./lib/copy";
import { BENCH_ADMIN, benchDatabaseUrl, benchScale } from "./lib/env";
import { address, person, phoneNumber, pick, seededRandom, type Address } from "./lib/people";
import { Progress } from "./lib/progress";
import { seededCheckoutId, seededCustomerId, seededSubscriptionId } from "./lib/seeded";

const scale = benchScale();
const counts = {
  supporters: Math.round(1_000_000 * scale),
  payments: Math.round(5_000_000 * scale),
  liveSubscriptions: Math.round(150_000 * scale),
  endedSubscriptions: Math.round(90_000 * scale),
  tierYears: Math.round(40_000 * scale),
  pledges: Math.round(20_000 * scale),
  staff: 12,
};

const MONTH_MS = 30.44 * 86_400_000;
const NOW = new Date();
// Five years of history, starting on the first of a month.
const T0 = new Date(Date.UTC(NOW.getUTCFullYear() - 5, NOW.getUTCMonth(), 1));
const SPAN = NOW.getTime() - T0.getTime();
const MONTHS = (NOW.getUTCFullYear() - T0.getUTCFullYear()) * 12 + NOW.getUTCMonth() - T0.getUTCMonth() + 1;

const random = seededRandom(20261123);
const randomInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

function monthStart(m: number) {
  return new Date(Date.UTC(T0.getUTCFullYear(), T0.getUTCMonth() + m, 1));
}
function monthIndex(date: Date) {
  return (date.getUTCFullYear() - T0.getUTCFullYear()) * 12 + date.getUTCMonth() - T0.getUTCMonth();
}
function addMonths(date: Date, months: number) {
  const d = new Date(date);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  d.setUTCDate(Math.min(day, new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()));
  return d;
}

// Supporters join faster as the campaign grows: id order is joining order, density ∝ √t.
const joinedAt = (id: number) => new Date(T0.getTime() + SPAN * Math.pow(id / counts.supporters, 2 / 3));
const lastIdBy = (date: Date) =>
  Math.max(
    1,
    Math.min(
      counts.supporters,
      Math.floor(counts.supporters * Math.pow(Math.max(0, date.getTime() - T0.getTime()) / SPAN, 1.5)),
    ),
  );
/** Callers of the phone line without an email address: they pay offline and get posted receipts. */
const phoneOnly = (id: number) => id % 50 === 7;
const erased = (id: number) => id % 500 === 3;

type Ids = {
  defaultCampaign: number;
  defenceCampaign: number;
  plans: Record<string, { id: number; amountMinor: number; name: string }>;
  staff: number[];
};

// ---------------------------------------------------------------------------------------------
// Planning: who subscribes, buys a year or pledges, decided before any row is written, so that
// supporters with a print tier get an address.

type PlannedSubscription = {
  supporterId: number;
  campaignId: number;
  kind: "monthly" | "tier_monthly";
  plan: string | null;
  amountMinor: number;
  start: Date;
  /** First month (index) without a payment: the cancellation, or MONTHS for live ones. */
  endMonth: number;
  status: "active" | "past_due" | "canceled";
  cancelAtPeriodEnd: boolean;
  paused: boolean;
};

type PlannedPledge = {
  id: number;
  supporterId: number;
  campaignId: number;
  amountMinor: number;
  payMethod: "link" | "cheque" | "bank_transfer" | "cash";
  status: "pending" | "paid" | "cancelled" | "expired";
  createdAt: Date;
  paidAt: Date | null;
  staffId: number;
  paymentId: number | null;
};

function planSubscriptions(ids: Ids, hasFirstGift: Uint8Array, needsAddress: Uint8Array): PlannedSubscription[] {
  const planned: PlannedSubscription[] = [];
  const total = counts.liveSubscriptions + counts.endedSubscriptions;
  for (let i = 0; i < total; i++) {
    const live = i < counts.liveSubscriptions;
    // Live subscriptions skew recent (growth); ended ones started any time and lasted months.
    const start = live
      ? new Date(NOW.getTime() - SPAN * Math.pow(random(), 3))
      : new Date(T0.getTime() + SPAN * random());
    const startMonth = monthIndex(start);
    const endMonth = live ? MONTHS : Math.min(MONTHS - 1, startMonth + 1 + Math.floor(-Math.log(1 - random()) * 7));
    if (!live && endMonth <= startMonth) continue;
    const roll = random();
    const kind = roll < 0.6 ? "monthly" : "tier_monthly";
    const plan = kind === "monthly" ? null : roll < 0.87 ? "digital-monthly" : "print-monthly";
    // Most people's first gift is the subscription itself; some were giving already.
    const newcomer = random() < 0.7;
    let supporterId = newcomer ? Math.max(1, lastIdBy(start) - randomInt(0, 20)) : randomInt(1, lastIdBy(start));
    if (phoneOnly(supporterId) || erased(supporterId)) supporterId += 1;
    if (supporterId > counts.supporters) supporterId = counts.supporters - 1;
    if (newcomer) hasFirstGift[supporterId] = 1;
    if (plan === "print-monthly") needsAddress[supporterId] = 1;
    planned.push({
      supporterId,
      campaignId: random() < 0.9 ? ids.defaultCampaign : ids.defenceCampaign,
      kind,
      plan,
      amountMinor: plan
        ? ids.plans[plan].amountMinor
        : pick(random, [500, 1000, 1000, 1500, 2000, 2500, 2500, 3000, 5000, 10000]),
      start: joinedAt(supporterId) > start ? new Date(joinedAt(supporterId).getTime() + 60_000) : start,
      endMonth,
      status: live ? (random() < 0.03 ? "past_due" : "active") : "canceled",
      cancelAtPeriodEnd: live && random() < 0.02,
      paused: live && random() < 0.01,
    });
  }
  return planned;
}

type PlannedYear = { supporterId: number; campaignId: number; plan: "digital-year" | "print-year"; paidAt: Date };

function planTierYears(ids: Ids, needsAddress: Uint8Array): PlannedYear[] {
  const years: PlannedYear[] = [];
  for (let i = 0; i < counts.tierYears; i++) {
    const paidAt = new Date(T0.getTime() + SPAN * Math.sqrt(random()));
    const supporterId = randomInt(1, lastIdBy(paidAt));
    if (phoneOnly(supporterId) || erased(supporterId) || joinedAt(supporterId) > paidAt) continue;
    const plan = random() < 0.7 ? "digital-year" : "print-year";
    if (plan === "print-year") needsAddress[supporterId] = 1;
    years.push({ supporterId, campaignId: ids.defaultCampaign, plan, paidAt });
  }
  return years;
}

function planPledges(ids: Ids): PlannedPledge[] {
  const pledges: PlannedPledge[] = [];
  for (let i = 0; i < counts.pledges; i++) {
    // The phone line opened two years ago.
    const createdAt = new Date(NOW.getTime() - Math.min(SPAN, 2 * 365 * 86_400_000) * Math.pow(random(), 1.3));
    let supporterId = randomInt(1, lastIdBy(createdAt));
    if (random() < 0.4) supporterId = Math.max(7, supporterId - (supporterId % 50) + 7); // a caller without email
    if (joinedAt(supporterId) > createdAt || erased(supporterId)) supporterId = 7;
    const payMethod = phoneOnly(supporterId)
      ? pick(random, ["cheque", "cheque", "bank_transfer", "cash"] as const)
      : pick(random, ["link", "link", "cheque", "bank_transfer"] as const);
    const age = NOW.getTime() - createdAt.getTime();
    const roll = random();
    const status =
      age < 14 * 86_400_000 && roll < 0.5 ? "pending" : roll < 0.7 ? "paid" : roll < 0.9 ? "expired" : "cancelled";
    const paidAt =
      status === "paid"
        ? new Date(Math.min(NOW.getTime() - 60_000, createdAt.getTime() + randomInt(1, 10) * 86_400_000))
        : null;
    pledges.push({
      id: i + 1,
      supporterId,
      campaignId: ids.defaultCampaign,
      amountMinor: pick(random, [2500, 5000, 5000, 10000, 10000, 20000, 25000, 50000]),
      payMethod,
      status,
      createdAt,
      paidAt,
      staffId: pick(random, ids.staff),
      paymentId: null,
    });
  }
  return pledges;
}

// ---------------------------------------------------------------------------------------------
// Supporters

const SUPPORTER_COLUMNS = [
  "id",
  "email",
  "name",
  "phone",
  "stripe_customer_id",
  "anonymous",
  "address_line1",
  "address_line2",
  "address_city",
  "address_state",
  "address_postal_code",
  "address_country",
  "card_brand",
  "card_last4",
  "card_exp_month",
  "card_exp_year",
  "created_at",
  "updated_at",
  "erased_at",
] as const;

function* supporterRows(needsAddress: Uint8Array): Generator<CopyValue[]> {
  for (let id = 1; id <= counts.supporters; id++) {
    const who = person(random, id);
    const created = joinedAt(id);
    if (erased(id)) {
      yield [
        id,
        `erased-${id}@invalid`,
        "",
        null,
        null,
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        created,
        created,
        new Date(created.getTime() + 86_400_000),
      ];
      continue;
    }
    const callerOnly = phoneOnly(id);
    const phone = callerOnly || random() < 0.25 ? phoneNumber(random) : null;
    const place: Address | null = needsAddress[id] || callerOnly || random() < 0.3 ? address(random) : null;
    const card = !callerOnly && random() < 0.8;
    yield [
      id,
      callerOnly ? null : `${who.emailLocal}@${who.emailDomain}`,
      who.name,
      phone,
      callerOnly ? null : seededCustomerId(id),
      random() < 0.05,
      place?.line1,
      place?.line2,
      place?.city,
      place?.state,
      place?.postalCode,
      place?.country,
      card ? pick(random, ["visa", "visa", "mastercard", "amex"]) : null,
      card ? String(randomInt(0, 9999)).padStart(4, "0") : null,
      card ? randomInt(1, 12) : null,
      card ? NOW.getUTCFullYear() + randomInt(0, 4) : null,
      created,
      created,
      null,
    ];
  }
}

// ---------------------------------------------------------------------------------------------
// Checkouts and subscriptions

const CHECKOUT_COLUMNS = [
  "id",
  "campaign_id",
  "plan_id",
  "kind",
  "amount_minor",
  "fee_cover_minor",
  "currency",
  "email",
  "name",
  "anonymous",
  "provider",
  "provider_session_id",
  "status",
  "created_at",
  "completed_at",
] as const;

function* checkoutRows(subscriptions: PlannedSubscription[], ids: Ids): Generator<CopyValue[]> {
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i];
    const id = i + 1;
    // The email at checkout time; the supporter row may have changed since. Good enough for metadata lookups.
    yield [
      seededCheckoutId(id),
      s.campaignId,
      s.plan ? ids.plans[s.plan].id : null,
      s.kind,
      s.amountMinor,
      0,
      "AUD",
      `checkout-${id}@example.net`,
      "",
      false,
      "stripe",
      `cs_seed${id}`,
      "completed",
      s.start,
      s.start,
    ];
  }
}

const SUBSCRIPTION_COLUMNS = [
  "id",
  "supporter_id",
  "campaign_id",
  "plan_id",
  "kind",
  "amount_minor",
  "currency",
  "interval",
  "status",
  "provider",
  "provider_subscription_id",
  "current_period_end",
  "cancel_at_period_end",
  "paused_until",
  "cancel_reason",
  "last_failure_reason",
  "next_retry_at",
  "provider_updated_at",
  "created_at",
] as const;

function* subscriptionRows(subscriptions: PlannedSubscription[], ids: Ids): Generator<CopyValue[]> {
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i];
    const startMonth = monthIndex(s.start);
    const lastPaid = addMonths(s.start, Math.max(0, s.endMonth - startMonth - 1));
    const periodEnd =
      s.status === "canceled"
        ? addMonths(lastPaid, 1)
        : addMonths(s.start, Math.max(1, Math.ceil((NOW.getTime() - s.start.getTime()) / MONTH_MS)));
    const updated = s.status === "canceled" ? periodEnd : lastPaid;
    yield [
      i + 1,
      s.supporterId,
      s.campaignId,
      s.plan ? ids.plans[s.plan].id : null,
      s.kind,
      s.amountMinor,
      "AUD",
      "month",
      s.status,
      "stripe",
      seededSubscriptionId(i + 1),
      periodEnd,
      s.cancelAtPeriodEnd,
      s.paused ? addMonths(NOW, 2) : null,
      s.status === "canceled" && random() < 0.3
        ? pick(random, ["Money is tight just now", "I read it elsewhere", "Moving overseas"])
        : null,
      s.status === "past_due" ? "Your card was declined." : null,
      s.status === "past_due" ? new Date(NOW.getTime() + randomInt(1, 5) * 86_400_000) : null,
      updated,
      s.start,
    ];
  }
}

// ---------------------------------------------------------------------------------------------
// Payments, month by month in the order they were made: ids and receipt numbers run together.

const PAYMENT_COLUMNS = [
  "id",
  "supporter_id",
  "campaign_id",
  "subscription_id",
  "plan_id",
  "checkout_id",
  "kind",
  "method",
  "provider",
  "provider_payment_id",
  "stripe_payment_intent_id",
  "amount_minor",
  "fee_cover_minor",
  "refunded_minor",
  "currency",
  "anonymous",
  "message",
  "receipt_number",
  "reference",
  "recorded_by_staff_id",
  "paid_at",
  "covers_until",
  "created_at",
] as const;

type Draft = {
  supporterId: number;
  campaignId: number;
  subscriptionId: number | null;
  plan: string | null;
  kind: "one_off" | "monthly" | "tier_monthly" | "tier_one_time";
  method: "card" | "cheque" | "bank_transfer" | "cash";
  amountMinor: number;
  feeCoverMinor: number;
  paidAt: Date;
  staffId: number | null;
  pledge: PlannedPledge | null;
};

const MESSAGES = [
  "Keep up the good work!",
  "For the reporters on the ground.",
  "Thank you for your courage.",
  "In memory of Dad, who read every issue.",
];

function oneOffAmount() {
  return pick(random, [1000, 2000, 2500, 2500, 5000, 5000, 5000, 10000, 10000, 15000, 25000, 50000, 100000]);
}

function toPaymentRow(d: Draft, id: number, ids: Ids): CopyValue[] {
  const offline = d.method !== "card";
  const subscription = d.kind === "monthly" || d.kind === "tier_monthly";
  const refundRoll = offline ? 1 : random();
  const refunded = refundRoll < 0.005 ? d.amountMinor : refundRoll < 0.008 ? Math.floor(d.amountMinor / 2) : 0;
  const intent = `pi_seed${id}`;
  return [
    id,
    d.supporterId,
    d.campaignId,
    d.subscriptionId,
    d.plan ? ids.plans[d.plan].id : null,
    d.subscriptionId ? seededCheckoutId(d.subscriptionId) : null,
    d.kind,
    d.method,
    offline ? "offline" : "stripe",
    offline ? `offline-${id}` : subscription ? `in_seed${id}` : intent,
    offline ? null : intent,
    d.amountMinor,
    d.feeCoverMinor,
    refunded,
    "AUD",
    random() < 0.05,
    !subscription && random() < 0.03 ? pick(random, MESSAGES) : null,
    id,
    offline ? `${d.method === "cheque" ? "CHQ" : "REF"} ${String(randomInt(1, 999999)).padStart(6, "0")}` : null,
    offline ? (d.staffId ?? ids.staff[0]) : null,
    d.paidAt,
    d.kind === "tier_one_time" ? addMonths(d.paidAt, 12) : null,
    d.paidAt,
  ];
}

function* paymentRows(
  ids: Ids,
  subscriptions: PlannedSubscription[],
  years: PlannedYear[],
  pledges: PlannedPledge[],
  hasFirstGift: Uint8Array,
): Generator<CopyValue[]> {
  // How many payments the subscriptions, first gifts, years and pledges make; the rest are repeat gifts.
  let fixed = years.length + pledges.filter((p) => p.status === "paid").length;
  for (const s of subscriptions)
    for (let m = monthIndex(s.start); m < s.endMonth; m++) if (subscriptionPaidIn(s, m)) fixed += 1;
  for (let id = 1; id <= counts.supporters; id++) if (!hasFirstGift[id]) fixed += 1;
  const repeatGifts = Math.max(0, counts.payments - fixed);
  const weights = Array.from({ length: MONTHS }, (_, m) =>
    lastIdBy(new Date(Math.min(NOW.getTime(), monthStart(m).getTime() + MONTH_MS / 2))),
  );
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const yearsByMonth = groupByMonth(years, (y) => y.paidAt);
  const pledgesByMonth = groupByMonth(
    pledges.filter((p) => p.paidAt),
    (p) => p.paidAt!,
  );

  let nextId = 1;
  let firstSupporter = 1;
  let repeatsLeft = repeatGifts;
  for (let m = 0; m < MONTHS; m++) {
    const from = monthStart(m);
    const to = m === MONTHS - 1 ? NOW : monthStart(m + 1);
    const drafts: Draft[] = [];
    const card = (supporterId: number) =>
      phoneOnly(supporterId) ? pick(random, ["cheque", "bank_transfer", "cash"] as const) : "card";

    for (let i = 0; i < subscriptions.length; i++) {
      const s = subscriptions[i];
      if (!subscriptionPaidIn(s, m)) continue;
      const paidAt = addMonths(s.start, m - monthIndex(s.start));
      drafts.push({
        supporterId: s.supporterId,
        campaignId: s.campaignId,
        subscriptionId: i + 1,
        plan: s.plan,
        kind: s.kind,
        method: "card",
        amountMinor: s.amountMinor,
        feeCoverMinor: 0,
        paidAt,
        staffId: null,
        pledge: null,
      });
    }
    // Everyone's first gift, soon after they joined, unless it was a subscription.
    const lastThisMonth = lastIdBy(to);
    for (; firstSupporter <= lastThisMonth; firstSupporter++) {
      if (hasFirstGift[firstSupporter]) continue;
      const paidAt = new Date(Math.min(NOW.getTime() - 1000, joinedAt(firstSupporter).getTime() + 60_000));
      drafts.push(giftDraft(ids, firstSupporter, paidAt, card(firstSupporter)));
    }
    const repeats =
      m === MONTHS - 1 ? repeatsLeft : Math.min(repeatsLeft, Math.round((repeatGifts * weights[m]) / weightSum));
    repeatsLeft -= repeats;
    for (let i = 0; i < repeats; i++) {
      const paidAt = new Date(from.getTime() + random() * (to.getTime() - from.getTime()));
      let supporterId = randomInt(1, lastIdBy(paidAt));
      if (erased(supporterId) || joinedAt(supporterId) > paidAt)
        supporterId = randomInt(1, Math.max(1, lastIdBy(paidAt) - 100));
      if (erased(supporterId)) supporterId += 1;
      drafts.push(giftDraft(ids, supporterId, paidAt, card(supporterId)));
    }
    for (const y of yearsByMonth.get(m) ?? []) {
      drafts.push({
        supporterId: y.supporterId,
        campaignId: y.campaignId,
        subscriptionId: null,
        plan: y.plan,
        kind: "tier_one_time",
        method: "card",
        amountMinor: ids.plans[y.plan].amountMinor,
        feeCoverMinor: 0,
        paidAt: y.paidAt,
        staffId: null,
        pledge: null,
      });
    }
    for (const p of pledgesByMonth.get(m) ?? []) {
      drafts.push({
        supporterId: p.supporterId,
        campaignId: p.campaignId,
        subscriptionId: null,
        plan: null,
        kind: "one_off",
        method: p.payMethod === "link" ? "card" : p.payMethod,
        amountMinor: p.amountMinor,
        feeCoverMinor: 0,
        paidAt: p.paidAt!,
        staffId: p.staffId,
        pledge: p,
      });
    }

    drafts.sort((a, b) => a.paidAt.getTime() - b.paidAt.getTime());
    for (const d of drafts) {
      const id = nextId++;
      if (d.pledge) d.pledge.paymentId = id;
      yield toPaymentRow(d, id, ids);
    }
  }
}

/** Whether a subscription's invoice for month `m` was paid: from its start to its end, never in the future, and not a failing one's latest. */
function subscriptionPaidIn(s: PlannedSubscription, m: number): boolean {
  const k = m - monthIndex(s.start);
  if (k < 0 || m >= s.endMonth) return false;
  const paidAt = addMonths(s.start, k);
  if (paidAt >= NOW) return false;
  const latest = m === s.endMonth - 1 || addMonths(s.start, k + 1) >= NOW;
  return !(s.status === "past_due" && latest);
}

function giftDraft(ids: Ids, supporterId: number, paidAt: Date, method: Draft["method"]): Draft {
  const amountMinor = oneOffAmount();
  // A third of card donors cover the fee (1.75% + 30c), which is part of what they paid.
  const feeCoverMinor = method === "card" && random() < 0.35 ? Math.round(amountMinor * 0.0175) + 30 : 0;
  return {
    supporterId,
    campaignId: random() < 0.9 ? ids.defaultCampaign : ids.defenceCampaign,
    subscriptionId: null,
    plan: null,
    kind: "one_off",
    method,
    amountMinor: amountMinor + feeCoverMinor,
    feeCoverMinor,
    paidAt,
    staffId: null,
    pledge: null,
  };
}

function groupByMonth<T>(items: T[], at: (item: T) => Date): Map<number, T[]> {
  const byMonth = new Map<number, T[]>();
  for (const item of items) {
    const m = monthIndex(at(item));
    const list = byMonth.get(m);
    if (list) list.push(item);
    else byMonth.set(m, [item]);
  }
  return byMonth;
}

// ---------------------------------------------------------------------------------------------
// Pledges

const PLEDGE_COLUMNS = [
  "id",
  "supporter_id",
  "campaign_id",
  "kind",
  "amount_minor",
  "currency",
  "pay_method",
  "status",
  "notes",
  "taken_by_staff_id",
  "link_token_hash",
  "expires_at",
  "reminder_sent_at",
  "payment_id",
  "created_at",
  "updated_at",
] as const;

function* pledgeRows(pledges: PlannedPledge[]): Generator<CopyValue[]> {
  for (const p of pledges) {
    const link = p.payMethod === "link";
    const expiresAt = link ? new Date(p.createdAt.getTime() + 14 * 86_400_000) : null;
    yield [
      p.id,
      p.supporterId,
      p.campaignId,
      "one_off",
      p.amountMinor,
      "AUD",
      p.payMethod,
      p.status,
      random() < 0.2 ? "Prefers a call in the evening." : null,
      p.staffId,
      // A hash's shape; nobody holds the token.
      link ? `seed-link-${p.id.toString(16).padStart(8, "0")}` : null,
      expiresAt,
      link && p.status !== "paid" && random() < 0.5 ? new Date(p.createdAt.getTime() + 7 * 86_400_000) : null,
      p.paymentId,
      p.createdAt,
      p.paidAt ?? p.createdAt,
    ];
  }
}

// ---------------------------------------------------------------------------------------------

const LOADED_TABLES = [
  "supporters",
  "checkouts",
  "subscriptions",
  "payments",
  "pledges",
  "receipts",
  "outbox",
] as const;

type Deferred = {
  indexes: { name: string; definition: string }[];
  foreignKeys: { table: string; name: string; definition: string }[];
};

/**
 * Bulk loading's usual order: the loaded tables' secondary indexes and foreign keys are dropped
 * first and made again at the end, which builds each index in one sort and checks each foreign
 * key with one join instead of once per row. Making them again is what proves the data keeps
 * every unique index and reference the schema declares.
 */
async function deferIndexesAndForeignKeys(sql: postgres.Sql): Promise<Deferred> {
  const tables = [...LOADED_TABLES];
  const indexes = await sql<{ name: string; definition: string }[]>`
    select i.indexname as name, i.indexdef as definition from pg_indexes i
    where i.schemaname = 'public' and i.tablename in ${sql(tables)}
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
  const foreignKeys = await sql<{ table: string; name: string; definition: string }[]>`
    select t.relname as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c join pg_class t on t.oid = c.conrelid
    where c.contype = 'f' and t.relname in ${sql(tables)}`;
  for (const fk of foreignKeys) await sql.unsafe(`alter table "${fk.table}" drop constraint "${fk.name}"`);
  for (const index of indexes) await sql.unsafe(`drop index "${index.name}"`);
  return { indexes, foreignKeys };
}

async function restoreIndexesAndForeignKeys(sql: postgres.Sql, deferred: Deferred) {
  const progress = new Progress("indexes, keys", deferred.indexes.length + deferred.foreignKeys.length, "made");
  await sql`set maintenance_work_mem = '512MB'`;
  for (const index of deferred.indexes) {
    await sql.unsafe(index.definition);
    progress.add(1);
  }
  for (const fk of deferred.foreignKeys) {
    await sql.unsafe(`alter table "${fk.table}" add constraint "${fk.name}" ${fk.definition}`);
    progress.add(1);
  }
  progress.finish();
}

async function inChunks(
  sql: postgres.Sql,
  label: string,
  maxId: number,
  statement: (from: number, to: number) => Promise<unknown>,
) {
  const progress = new Progress(label, maxId);
  const step = 100_000;
  for (let from = 1; from <= maxId; from += step) {
    await statement(from, Math.min(maxId, from + step - 1));
    progress.add(Math.min(step, maxId - from + 1));
  }
  progress.finish();
}

async function main() {
  const url = benchDatabaseUrl();
  const started = Date.now();
  console.log(
    `Seeding ${url.replace(/\/\/[^@]*@/, "//")} at scale ${scale}: ${counts.supporters.toLocaleString("en")} supporters, ${counts.payments.toLocaleString("en")} payments, ${counts.liveSubscriptions.toLocaleString("en")} live subscriptions, ${counts.pledges.toLocaleString("en")} pledges`,
  );
  const handle = await openDatabase({ url, poolSize: 2 });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from supporters`;
    if (n > 0)
      throw new Error("The database already has supporters: seed an empty one (dropdb and createdb it again).");
    await seedDemoData(handle.db);
    const campaignRows = await sql<{ id: number; slug: string }[]>`select id, slug from campaigns`;
    const planRows = await sql<
      { id: number; code: string; amount_minor: string; name: string }[]
    >`select id, code, amount_minor, name from plans`;
    const staff: number[] = [];
    for (let i = 1; i <= counts.staff; i++) {
      const [row] = await sql<
        { id: number }[]
      >`insert into staff_users (email, name, role) values (${`phone${i}@example.org`}, ${`Phone Volunteer ${i}`}, 'staff') returning id`;
      staff.push(row.id);
    }
    await createStaffUser(handle.db, {
      email: BENCH_ADMIN.email,
      name: BENCH_ADMIN.name,
      role: "admin",
      password: BENCH_ADMIN.password,
    });
    const ids: Ids = {
      defaultCampaign: campaignRows.find((c) => c.slug === "fighting-fund-2026")!.id,
      defenceCampaign: campaignRows.find((c) => c.slug === "defence-fund")!.id,
      plans: Object.fromEntries(
        planRows.map((p) => [p.code, { id: p.id, amountMinor: Number(p.amount_minor), name: p.name }]),
      ),
      staff,
    };

    const hasFirstGift = new Uint8Array(counts.supporters + 2);
    const needsAddress = new Uint8Array(counts.supporters + 2);
    const subscriptions = planSubscriptions(ids, hasFirstGift, needsAddress);
    const years = planTierYears(ids, needsAddress);
    const pledges = planPledges(ids);

    // The ledger and the subscriptions are loaded with their rollup triggers off and the rollups
    // rebuilt once at the end (the functions migrations 0005 and 0011 define for that), rather
    // than firing a trigger per row.
    const ROLLUP_TRIGGERS = [
      ["payments", "payments_rollup_insert"],
      ["payments", "payments_tier_years_insert"],
      ["subscriptions", "subscriptions_rollup_insert"],
    ] as const;
    for (const [table, trigger] of ROLLUP_TRIGGERS) await sql.unsafe(`alter table ${table} disable trigger ${trigger}`);
    const deferred = await deferIndexesAndForeignKeys(sql);
    let loaded = false;
    try {
      let progress = new Progress("supporters", counts.supporters);
      await copyInto(sql, "supporters", SUPPORTER_COLUMNS, supporterRows(needsAddress), progress);
      progress.finish();
      progress = new Progress("checkouts", subscriptions.length);
      await copyInto(sql, "checkouts", CHECKOUT_COLUMNS, checkoutRows(subscriptions, ids), progress);
      progress.finish();
      progress = new Progress("subscriptions", subscriptions.length);
      await copyInto(sql, "subscriptions", SUBSCRIPTION_COLUMNS, subscriptionRows(subscriptions, ids), progress);
      progress.finish();
      progress = new Progress("payments", counts.payments);
      const paymentCount = await copyInto(
        sql,
        "payments",
        PAYMENT_COLUMNS,
        paymentRows(ids, subscriptions, years, pledges, hasFirstGift),
        progress,
      );
      progress.finish();
      progress = new Progress("pledges", pledges.length);
      await copyInto(sql, "pledges", PLEDGE_COLUMNS, pledgeRows(pledges), progress);
      progress.finish();

      await inChunks(
        sql,
        "receipts",
        paymentCount,
        (from, to) => sql`
        insert into receipts (payment_id, receipt_number, issued_at, snapshot)
        select p.id, p.receipt_number, p.paid_at, jsonb_build_object(
          'receiptNumber', p.receipt_number, 'issuedAt', p.paid_at, 'paidAt', p.paid_at, 'amountMinor', p.amount_minor,
          'feeCoverMinor', p.fee_cover_minor, 'currency', p.currency,
          'description', case p.kind when 'one_off' then 'One-off gift to ' || c.name when 'monthly' then 'Monthly gift to ' || c.name
            when 'tier_monthly' then coalesce(pl.name, 'Supporter') || ' — monthly' else coalesce(pl.name, 'Supporter') || ' — 12 months' end,
          'frequency', case p.kind when 'one_off' then 'once' when 'tier_one_time' then 'year' else 'monthly' end,
          'campaignName', c.name,
          'donor', jsonb_build_object('name', nullif(s.name, ''), 'email', s.email),
          'organisation', jsonb_build_object('name', st.org_name, 'contactEmail', st.contact_email, 'contactAddress', st.contact_address,
            'phone', st.phone, 'receiptFooter', st.receipt_footer, 'timeZone', st.time_zone))
        from payments p join supporters s on s.id = p.supporter_id join campaigns c on c.id = p.campaign_id
          left join plans pl on pl.id = p.plan_id cross join settings st
        where p.id between ${from} and ${to}`,
      );
      // Callers without email had their receipts posted; mark most of them done.
      await sql`update receipts r set posted_at = r.issued_at + interval '2 days', posted_by_staff_id = ${staff[0]}
        from payments p join supporters s on s.id = p.supporter_id where p.id = r.payment_id and s.email is null and r.issued_at < now() - interval '7 days'`;

      // The last three months' receipt emails, sent: what the supporter page lists.
      const [{ firstRecent }] = await sql<
        { firstRecent: number | null }[]
      >`select min(id) as "firstRecent" from payments where paid_at >= now() - interval '90 days'`;
      if (firstRecent) {
        await inChunks(
          sql,
          "outbox",
          paymentCount - firstRecent + 1,
          (from, to) => sql`
          insert into outbox (template, to_email, props, idempotency_key, attempts, next_attempt_at, sent_at, provider_message_id, created_at)
          select case when p.kind = 'one_off' then 'donation-receipt' else 'recurring-receipt' end, s.email,
            jsonb_build_object('receiptNumber', p.receipt_number), 'receipt:' || p.id, 1, p.paid_at, p.paid_at + interval '1 minute', 'seed-' || p.id, p.paid_at
          from payments p join supporters s on s.id = p.supporter_id
          where p.id between ${from + firstRecent - 1} and ${to + firstRecent - 1} and s.email is not null and s.erased_at is null`,
        );
      }

      console.log("Rebuilding the campaign rollups…");
      await sql`select rebuild_campaign_rollups()`;
      await sql`select rebuild_subscription_rollups()`;
      await sql`insert into counters (name, value) values ('receipt', ${paymentCount}) on conflict (name) do update set value = excluded.value`;
      for (const table of ["supporters", "subscriptions", "payments", "pledges"]) {
        await sql.unsafe(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
      }
      loaded = true;
    } finally {
      for (const [table, trigger] of ROLLUP_TRIGGERS)
        await sql.unsafe(`alter table ${table} enable trigger ${trigger}`);
      // Even after a failure, so the schema is whole again; a broken reference then fails loudly here.
      if (loaded) await restoreIndexesAndForeignKeys(sql, deferred);
      else
        await restoreIndexesAndForeignKeys(sql, deferred).catch((error) =>
          console.error(`Could not restore indexes and keys: ${error.message}`),
        );
    }
    console.log("VACUUM ANALYZE…");
    await sql`vacuum analyze`;
    const [totals] = await sql<
      { supporters: number; payments: number; live: number; pledges: number; receipts: number }[]
    >`
      select (select count(*)::int from supporters) as supporters, (select count(*)::int from payments) as payments,
        (select count(*)::int from subscriptions where status in ('active', 'past_due')) as live, (select count(*)::int from pledges) as pledges,
        (select count(*)::int from receipts) as receipts`;
    console.log(`Seeded in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(totals)}`);
  } finally {
    await sql.end();
    await handle.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
