import { sql, type SQL } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";

import { CURRENCIES, type Currency, type PlanTranslations, type ReceiptSnapshot } from "./types";

export { CURRENCIES, type Currency } from "./types";
const currencyCheck = (column: string) => sql.raw(`${column} in (${CURRENCIES.map((c) => `'${c}'`).join(", ")})`);

const minor = (name: string) => bigint(name, { mode: "number" });
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** One organisation runs one installation: its public details are data, never code. */
export const GIFTS_TAX_DEDUCTIBLE = ["not_stated", "deductible", "not_deductible"] as const;
export type GiftsTaxDeductible = (typeof GIFTS_TAX_DEDUCTIBLE)[number];

export const settings = pgTable(
  "settings",
  {
    id: smallint("id").primaryKey().default(1),
    orgName: text("org_name").notNull(),
    contactEmail: text("contact_email").notNull(),
    contactAddress: text("contact_address").notNull().default(""),
    phone: text("phone").notNull().default(""),
    receiptFooter: text("receipt_footer").notNull().default(""),
    accentColor: text("accent_color").notNull().default("#b3261e"),
    /** Card fee estimate offered to donors: basis points plus a fixed part in minor units. */
    feePercentBps: integer("fee_percent_bps").notNull().default(175),
    feeFixedMinor: integer("fee_fixed_minor").notNull().default(30),
    financialYearStartMonth: smallint("financial_year_start_month").notNull().default(7),
    /** IANA zone for dates on receipts: a gift at 11 pm in Melbourne is dated that day. */
    timeZone: text("time_zone").notNull().default("Australia/Melbourne"),
    /** Erase one-off donors' personal details after this many months without activity; null = off. */
    retentionMonths: integer("retention_months"),
    /** Days from a print supporter's first payment to their first posted edition; null = we don't say. */
    firstPrintEditionDays: integer("first_print_edition_days").default(7),
    /** What statements say about gifts and tax: nothing until staff choose (ADR 036). */
    giftsTaxDeductible: text("gifts_tax_deductible").$type<GiftsTaxDeductible>().notNull().default("not_stated"),
    /** The sites allowed to frame /embed/<campaign> (CSP frame-ancestors), as origins; none = nowhere (ADR 044). */
    embedOrigins: text("embed_origins")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
  },
  (t) => [
    check("settings_single_row", sql`${t.id} = 1`),
    check("settings_fee_non_negative", sql`${t.feePercentBps} >= 0 and ${t.feeFixedMinor} >= 0`),
    check("settings_fy_month", sql`${t.financialYearStartMonth} between 1 and 12`),
    check("settings_first_print_edition_days", sql`${t.firstPrintEditionDays} between 0 and 90`),
    check(
      "settings_gifts_tax_deductible",
      sql`${t.giftsTaxDeductible} in ('not_stated', 'deductible', 'not_deductible')`,
    ),
  ],
);

export const campaigns = pgTable(
  "campaigns",
  {
    id: serial("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    headline: text("headline").notNull(),
    description: text("description").notNull().default(""),
    currency: text("currency").$type<Currency>().notNull(),
    targetMinor: minor("target_minor").notNull(),
    minGiftMinor: minor("min_gift_minor").notNull().default(200),
    maxGiftMinor: minor("max_gift_minor").notNull().default(1_000_000),
    phone: text("phone").notNull().default(""),
    presetAmountsMinor: jsonb("preset_amounts_minor").$type<number[]>().notNull().default([2500, 5000, 10000, 25000]),
    isDefault: boolean("is_default").notNull().default(false),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }),
    /**
     * Discreet giving, for readers at risk (ADR 051): neutral card statements, email senders and
     * subjects, the fewest fields, a choice of no email at all, and a shorter retention.
     */
    discreet: boolean("discreet").notNull().default(false),
    /** The card statement's suffix after the Stripe account's prefix (ADR 051); null: Stripe's default. */
    statementDescriptor: text("statement_descriptor"),
    /**
     * The language its pages fall back to when the reader's own choice, cookie and Accept-Language
     * name none of ours, before English (ADR 049). Its copy (name, headline) is in this language.
     */
    locale: text("locale").notNull().default("en"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("campaigns_slug_unique").on(t.slug),
    uniqueIndex("campaigns_one_default")
      .on(t.isDefault)
      .where(sql`${t.isDefault}`),
    check("campaigns_currency_known", currencyCheck("currency")),
    check("campaigns_target_non_negative", sql`${t.targetMinor} >= 0`),
    check("campaigns_gift_bounds", sql`${t.minGiftMinor} > 0 and ${t.maxGiftMinor} >= ${t.minGiftMinor}`),
    check("campaigns_slug_format", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
  ],
);

/**
 * The currencies a campaign takes besides its home currency (ADR 050), each with the preset
 * amounts its donate form offers. The home currency's presets stay on the campaign row. Only
 * currencies of CURRENCIES (all two-decimal) may be here.
 */
export const campaignCurrencies = pgTable(
  "campaign_currencies",
  {
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    currency: text("currency").$type<Currency>().notNull(),
    presetAmountsMinor: jsonb("preset_amounts_minor").$type<number[]>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.currency] }),
    check("campaign_currencies_currency_known", currencyCheck("currency")),
  ],
);

export const TIERS = ["digital", "print"] as const;
export type Tier = (typeof TIERS)[number];
export const BILLINGS = ["monthly", "one_time_year"] as const;
export type Billing = (typeof BILLINGS)[number];

/** Supporter tiers and their prices. `lookupKey` finds the Stripe Price. */
export const plans = pgTable(
  "plans",
  {
    id: serial("id").primaryKey(),
    code: text("code").notNull(),
    tier: text("tier").$type<Tier>().notNull(),
    billing: text("billing").$type<Billing>().notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    benefits: jsonb("benefits").$type<string[]>().notNull().default([]),
    /** Its words in other languages (app/campaigns/plan-text.ts), e.g. { ru: { name, description, benefits } }. */
    translations: jsonb("translations").$type<PlanTranslations>().notNull().default({}),
    amountMinor: minor("amount_minor").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    lookupKey: text("lookup_key").notNull(),
    active: boolean("active").notNull().default(true),
    sortOrder: integer("sort_order").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("plans_code_unique").on(t.code),
    uniqueIndex("plans_lookup_key_unique").on(t.lookupKey),
    check("plans_currency_known", currencyCheck("currency")),
    check("plans_amount_positive", sql`${t.amountMinor} > 0`),
    check("plans_tier_known", sql`${t.tier} in ('digital', 'print')`),
    check("plans_billing_known", sql`${t.billing} in ('monthly', 'one_time_year')`),
  ],
);

/**
 * A plan's price in a currency other than its own (ADR 050): Stripe's Price carries each as a
 * `currency_options` entry, kept in step by `npm run stripe:sync`.
 */
export const planPrices = pgTable(
  "plan_prices",
  {
    planId: integer("plan_id")
      .notNull()
      .references(() => plans.id),
    currency: text("currency").$type<Currency>().notNull(),
    amountMinor: minor("amount_minor").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.currency] }),
    check("plan_prices_currency_known", currencyCheck("currency")),
    check("plan_prices_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

/**
 * What supporter search matches by prefix: the whole name, the name after its first word, the
 * last word, the email, the phone's digits (from the start, and reversed so the last digits can
 * be typed) and the postcode. Shared by the indexes below and the query
 * (`searchSupporters`), which must use exactly these expressions for the indexes to apply.
 */
export const supporterSearchKeys = {
  name: (name: AnyPgColumn) => sql`lower(${name})`,
  // split_part and strpos rather than regular expressions: a quarter of the cost per row.
  afterFirstWord: (name: AnyPgColumn) => sql`substr(lower(${name}), strpos(lower(${name}), ' ') + 1)`,
  lastWord: (name: AnyPgColumn) => sql`reverse(split_part(reverse(lower(${name})), ' ', 1))`,
  phoneDigits: (phone: AnyPgColumn) => sql`regexp_replace(${phone}, '[^0-9]', '', 'g')`,
  phoneDigitsReversed: (phone: AnyPgColumn) => sql`reverse(regexp_replace(${phone}, '[^0-9]', '', 'g'))`,
  postcode: (postcode: AnyPgColumn) => sql`lower(${postcode})`,
  /**
   * A typed term as the search key holds words (migration 0017, ADR 038): lower case, accents
   * off (unaccent), Cyrillic in Latin letters, punctuation and spaces as one space. "O'Brien" is
   * "o brien", "Иванова" is "ivanova".
   */
  words: (term: SQL | string) => sql`ff_search_words(${term})`,
  /** The search key's words as an array: a misspelling's corrections are looked up as whole words (ADR 058). */
  wordList: (searchKey: AnyPgColumn) => sql`string_to_array(${searchKey}, ' ')`,
};

/** A postal address: the one shape every form, event and label uses. */
export type PostalAddress = {
  line1: string;
  line2?: string | null;
  city: string;
  state?: string | null;
  postalCode: string;
  country: string;
};

/** A postal address as given for one print subscription or year (name included: it heads the label). */
export type DeliveryAddress = PostalAddress & { name: string };

/** What a checkout said about a person that their profile does not: only the fields that differ. */
export type CheckoutDetailsGiven = {
  checkoutId: string;
  givenAt: string;
  name?: string;
  phone?: string;
  address?: Omit<DeliveryAddress, "name">;
};

export const supporters = pgTable(
  "supporters",
  {
    id: serial("id").primaryKey(),
    /** Null for callers of the phone line who have no email address: they get printed receipts. */
    email: text("email"),
    /** Unique, so one person is one supporter however they capitalise their address. */
    emailKey: text("email_key").generatedAlwaysAs(sql`lower(email)`),
    name: text("name").notNull().default(""),
    phone: text("phone"),
    stripeCustomerId: text("stripe_customer_id"),
    anonymous: boolean("anonymous").notNull().default(false),
    /** Their language for receipts, reminders and statements (ADR 049): set at checkout and by the switcher. */
    locale: text("locale").notNull().default("en"),
    addressLine1: text("address_line1"),
    addressLine2: text("address_line2"),
    addressCity: text("address_city"),
    addressState: text("address_state"),
    addressPostalCode: text("address_postal_code"),
    addressCountry: text("address_country"),
    /** The default card, for expiry reminders only: never more than brand, last 4 and expiry. */
    cardBrand: text("card_brand"),
    cardLast4: text("card_last4"),
    cardExpMonth: smallint("card_exp_month"),
    cardExpYear: smallint("card_exp_year"),
    /**
     * Details typed at a checkout someone else started with this supporter's email, where they
     * differ from the profile: kept for staff to accept or ignore, never applied by themselves.
     */
    checkoutDetails: jsonb("checkout_details").$type<CheckoutDetailsGiven>(),
    /**
     * The checkout whose details made this record, while nobody has edited it since (its owner or
     * staff clear it). Of the checkouts under one email, the one started first gives a new record
     * its details, whichever of their events Stripe delivers first (ADR 034). No foreign key:
     * abandoned checkouts may be pruned.
     */
    detailsFromCheckoutId: uuid("details_from_checkout_id"),
    /**
     * Set (to when) the name, email or address changed for a supporter with a Stripe customer;
     * cleared once Stripe has the change. A job pushes whatever is due (ADR 036).
     */
    stripeCustomerSyncDueAt: timestamp("stripe_customer_sync_due_at", { withTimezone: true, precision: 3 }),
    stripeCustomerSyncAttempts: integer("stripe_customer_sync_attempts").notNull().default(0),
    /**
     * What staff search matches names and towns in (ADR 038): the name's words, the name again
     * with its apostrophes and hyphens closed up ("o brien obrien"), and the town, each as
     * `ff_search_words` makes them (migration 0017 defines both functions). Trigram-indexed.
     */
    searchKey: text("search_key").generatedAlwaysAs(sql`ff_search_key(name, address_city)`),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    erasedAt: timestamp("erased_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("supporters_email_unique").on(t.emailKey),
    uniqueIndex("supporters_stripe_customer_unique").on(t.stripeCustomerId),
    index("supporters_stripe_sync_due_idx")
      .on(t.stripeCustomerSyncDueAt)
      .where(sql`${t.stripeCustomerSyncDueAt} is not null`),
    // The payments export names each payment's supporter from this alone, never the table.
    index("supporters_names_idx").on(t.id, t.name),
    // Staff search (migration 0005): a prefix range of each expression, answered from the index
    // alone: the id follows the expression, then the column it is made of (without it Postgres
    // reads the table to recheck), and the erased are left out.
    ...Object.entries({
      name: [supporterSearchKeys.name(t.name), t.name],
      second_name: [supporterSearchKeys.afterFirstWord(t.name), t.name],
      last_name: [supporterSearchKeys.lastWord(t.name), t.name],
      email: [sql`${t.emailKey}`, null],
      postcode: [supporterSearchKeys.postcode(t.addressPostalCode), t.addressPostalCode],
    } as const).map(([key, [expression, column]]) =>
      index(`supporters_search_${key}_idx`)
        .on(sql`${expression} text_pattern_ops`, t.id, ...(column ? [column] : []))
        .where(sql`${t.erasedAt} is null`),
    ),
    // Any part of a name or town, and near misses of them (pg_trgm: LIKE and word similarity).
    index("supporters_search_key_idx")
      .using("gin", sql`${t.searchKey} gin_trgm_ops`)
      .with({ fastupdate: false })
      .where(sql`${t.erasedAt} is null`),
    // A misspelt word's corrections, whole dictionary words, found by word (ADR 058): one posting
    // list a word, where the trigram index above intersects several a word.
    index("supporters_search_words_idx")
      .using("gin", supporterSearchKeys.wordList(t.searchKey))
      .with({ fastupdate: false })
      .where(sql`${t.erasedAt} is null`),
    index("supporters_search_phone_idx")
      .on(sql`${supporterSearchKeys.phoneDigits(t.phone)} text_pattern_ops`, t.id, t.phone)
      .where(sql`${t.phone} is not null and ${t.erasedAt} is null`),
    index("supporters_search_phone_end_idx")
      .on(sql`${supporterSearchKeys.phoneDigitsReversed(t.phone)} text_pattern_ops`, t.id, t.phone)
      .where(sql`${t.phone} is not null and ${t.erasedAt} is null`),
    check("supporters_reachable", sql`${t.email} is not null or ${t.phone} is not null or ${t.erasedAt} is not null`),
  ],
);

/**
 * Every word of every search key (ADR 038), kept by a trigger on supporters (migration 0017): the
 * dictionary a misspelt word is corrected against (pg_trgm's similarity to find candidates,
 * fuzzystrmatch's Levenshtein distance to keep those one or two letters away). A word nobody
 * has any more (a name changed, a supporter erased) is removed.
 */
export const supporterSearchWords = pgTable(
  "supporter_search_words",
  {
    word: text("word").primaryKey(),
  },
  (t) => [index("supporter_search_words_trgm_idx").using("gin", sql`${t.word} gin_trgm_ops`)],
);

export const GIFT_KINDS = ["one_off", "monthly", "tier_monthly", "tier_one_time"] as const;
export type GiftKind = (typeof GIFT_KINDS)[number];
const giftKindCheck = (column: string) => sql.raw(`${column} in (${GIFT_KINDS.map((k) => `'${k}'`).join(", ")})`);

/**
 * What a reader asked for before they were sent to pay. The thank-you page and every event
 * find their way back here through the checkout id in the provider's metadata, so nothing is
 * ever read from a query string but this opaque id.
 */
export const checkouts = pgTable(
  "checkouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    planId: integer("plan_id").references(() => plans.id),
    kind: text("kind").$type<GiftKind>().notNull(),
    amountMinor: minor("amount_minor").notNull(),
    feeCoverMinor: minor("fee_cover_minor").notNull().default(0),
    currency: text("currency").$type<Currency>().notNull(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    anonymous: boolean("anonymous").notNull().default(false),
    message: text("message"),
    /** The reader allowed the amount to be shown beside their message on the wall (off unless ticked). */
    showAmount: boolean("show_amount").notNull().default(false),
    /** The language the checkout was started in (ADR 049): the supporter's language once it is paid. */
    locale: text("locale").notNull().default("en"),
    /** Set when the checkout pays a phone pledge (the pledge is marked paid by the same path). */
    pledgeId: integer("pledge_id"),
    /**
     * The supporter whose profile this checkout's details may change: whoever was signed in when
     * they started it, or the record its own first payment created. Null for everyone else.
     */
    supporterId: integer("supporter_id").references(() => supporters.id),
    provider: text("provider").$type<"stripe" | "simulated">().notNull(),
    providerSessionId: text("provider_session_id"),
    /**
     * A 12-month checkout started from a monthly subscription's page: its payment, and only its
     * payment, ends that subscription at the end of the period already paid (ADR 035).
     */
    replacesSubscriptionId: integer("replaces_subscription_id"),
    status: text("status").$type<"open" | "processing" | "completed" | "failed">().notNull().default("open"),
    /** Discreet giving (ADR 051): the reader asked for no email at all about this gift; the receipt is on the thank-you page. */
    noEmail: boolean("no_email").notNull().default(false),
    /** Discreet giving: the reader's emails about this gift carry no link that signs them in. */
    noAccountLink: boolean("no_account_link").notNull().default(false),
    /** Started at the onion service address (ADR 051): the links in its emails point there. */
    onion: boolean("onion").notNull().default(false),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("checkouts_provider_session_unique").on(t.providerSessionId),
    check("checkouts_kind_known", giftKindCheck("kind")),
    check("checkouts_currency_known", currencyCheck("currency")),
    check("checkouts_amount_positive", sql`${t.amountMinor} > 0 and ${t.feeCoverMinor} >= 0`),
    check("checkouts_status_known", sql`${t.status} in ('open', 'processing', 'completed', 'failed')`),
  ],
);

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: serial("id").primaryKey(),
    supporterId: integer("supporter_id")
      .notNull()
      .references(() => supporters.id),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    planId: integer("plan_id").references(() => plans.id),
    kind: text("kind").$type<"monthly" | "tier_monthly">().notNull(),
    amountMinor: minor("amount_minor").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    interval: text("interval").$type<"month">().notNull().default("month"),
    status: text("status").notNull(),
    provider: text("provider").$type<"stripe" | "simulated">().notNull(),
    providerSubscriptionId: text("provider_subscription_id").notNull(),
    currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    /** Collection paused until this date (Stripe pause_collection.resumes_at); null = not paused. */
    pausedUntil: timestamp("paused_until", { withTimezone: true }),
    cancelReason: text("cancel_reason"),
    /** What the card issuer said when the last payment failed, and when Stripe tries again. */
    lastFailureReason: text("last_failure_reason"),
    nextRetryAt: timestamp("next_retry_at", { withTimezone: true }),
    /** A change asked of the provider and not yet confirmed by it: the page says "updating". */
    pendingChange: jsonb("pending_change").$type<{ kind: string; requestedAt: string; [key: string]: unknown }>(),
    /** Print tiers: where editions go, as given at its checkout; null = the supporter's own address. */
    deliveryAddress: jsonb("delivery_address").$type<DeliveryAddress>(),
    /** The provider's timestamp of the newest event applied: older events never overwrite. */
    providerUpdatedAt: timestamp("provider_updated_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("subscriptions_provider_unique").on(t.providerSubscriptionId),
    // The supporter page lists a person's subscriptions newest first, 25 at a time.
    index("subscriptions_supporter_idx").on(t.supporterId, t.createdAt, t.id),
    // The dashboard: failing and cancelled subscriptions of a campaign, and those started in a
    // month. Its revenue, donors and tiers come from rollups (ADR 024).
    index("subscriptions_campaign_status_idx").on(t.campaignId, t.status, t.providerUpdatedAt),
    index("subscriptions_campaign_created_idx").on(t.campaignId, t.createdAt, t.status),
    // Paused subscriptions, for the dashboard's read-time correction of monthly revenue (ADR 024).
    index("subscriptions_paused_idx")
      .on(t.campaignId, t.pausedUntil, t.status, t.cancelAtPeriodEnd, t.currency, t.amountMinor)
      .where(sql`${t.pausedUntil} is not null`),
    // Who has which tier, from the index alone: the print mailing list.
    index("subscriptions_tiers_idx").on(t.kind, t.status, t.planId, t.supporterId),
    check("subscriptions_kind_known", sql`${t.kind} in ('monthly', 'tier_monthly')`),
    check("subscriptions_currency_known", currencyCheck("currency")),
    check("subscriptions_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

export const MESSAGE_STATUSES = ["pending", "approved", "hidden"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const PAYMENT_METHODS = ["card", "simulated", "cheque", "bank_transfer", "cash", "other"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** The ledger: one row per money movement received. Every total is computed from here. */
export const payments = pgTable(
  "payments",
  {
    id: serial("id").primaryKey(),
    supporterId: integer("supporter_id")
      .notNull()
      .references(() => supporters.id),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    subscriptionId: integer("subscription_id").references(() => subscriptions.id),
    planId: integer("plan_id").references(() => plans.id),
    checkoutId: uuid("checkout_id").references(() => checkouts.id),
    kind: text("kind").$type<GiftKind>().notNull(),
    method: text("method").$type<PaymentMethod>().notNull(),
    provider: text("provider").$type<"stripe" | "simulated" | "offline">().notNull(),
    /** Stripe: the PaymentIntent (one-off) or Invoice (subscription) id. */
    providerPaymentId: text("provider_payment_id").notNull(),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    amountMinor: minor("amount_minor").notNull(),
    feeCoverMinor: minor("fee_cover_minor").notNull().default(0),
    refundedMinor: minor("refunded_minor").notNull().default(0),
    currency: text("currency").$type<Currency>().notNull(),
    anonymous: boolean("anonymous").notNull().default(false),
    message: text("message"),
    /**
     * A message of support is read by staff before it may appear anywhere public: pending until
     * approved or hidden (meaningless without a message).
     */
    messageStatus: text("message_status").$type<MessageStatus>().notNull().default("pending"),
    messageModeratedAt: timestamp("message_moderated_at", { withTimezone: true }),
    messageModeratedByStaffId: integer("message_moderated_by_staff_id"),
    /**
     * The wall of solidarity shows these, taken when staff approve the message (ADR 043): the
     * first word of the writer's name, the town of the address they gave, and whether they let
     * the amount be shown. The wall never reads the supporter's record for them; erasure nulls them.
     */
    wallName: text("wall_name"),
    wallTown: text("wall_town"),
    wallShowsAmount: boolean("wall_shows_amount").notNull().default(false),
    receiptNumber: integer("receipt_number").notNull(),
    /**
     * What the payment became in the provider's balance (ADR 050): Stripe's balance transaction
     * for the charge (gross, before Stripe's fee), its currency, and the rate Stripe applied
     * (null when no conversion happened). Null until known; set once, never changed.
     */
    settledAmountMinor: minor("settled_amount_minor"),
    settledCurrency: text("settled_currency").$type<Currency>(),
    settledExchangeRate: numeric("settled_exchange_rate"),
    stripeBalanceTransactionId: text("stripe_balance_transaction_id"),
    settledAt: timestamp("settled_at", { withTimezone: true }),
    /** Offline payments: cheque number or bank reference, and who recorded it. */
    reference: text("reference"),
    recordedByStaffId: integer("recorded_by_staff_id"),
    paidAt: timestamp("paid_at", { withTimezone: true }).notNull(),
    /** For one-time tier payments: the entitlement runs until this date. */
    coversUntil: timestamp("covers_until", { withTimezone: true }),
    /** One-time print years: where editions go, as given at checkout; null = the supporter's own address. */
    deliveryAddress: jsonb("delivery_address").$type<DeliveryAddress>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("payments_provider_payment_unique").on(t.provider, t.providerPaymentId),
    uniqueIndex("payments_stripe_payment_intent_unique").on(t.stripePaymentIntentId),
    uniqueIndex("payments_receipt_number_unique").on(t.receiptNumber),
    index("payments_campaign_idx").on(t.campaignId),
    // A supporter's payments, newest first (the account and staff pages list them by date).
    index("payments_supporter_idx").on(t.supporterId, t.paidAt),
    // The accountant's export pages through a date range in the order payments were made.
    index("payments_paid_at_idx").on(t.paidAt, t.id),
    // The moderation list: messages by status, newest first, read from the few rows with a message.
    index("payments_messages_idx")
      .on(t.messageStatus, t.paidAt, t.id)
      .where(sql`${t.message} is not null`),
    // The wall of solidarity: a campaign's approved messages, newest first.
    index("payments_wall_idx")
      .on(t.campaignId, t.paidAt, t.id)
      .where(sql`${t.message} is not null and ${t.messageStatus} = 'approved'`),
    check("payments_message_status_known", sql`${t.messageStatus} in ('pending', 'approved', 'hidden')`),
    // One-time tiers still running: the dashboard's supporter counts and the print mailing list.
    // A supporter's one-time tiers still running (their entitlements).
    index("payments_supporter_tier_years_idx")
      .on(t.supporterId, t.coversUntil)
      .where(sql`${t.kind} = 'tier_one_time'`),
    index("payments_tier_years_idx")
      .on(t.coversUntil, t.campaignId, t.supporterId, t.planId, t.paidAt, t.refundedMinor, t.amountMinor)
      .where(sql`${t.kind} = 'tier_one_time'`),
    uniqueIndex("payments_stripe_balance_transaction_unique").on(t.stripeBalanceTransactionId),
    // The estimate of a payment not settled yet: the newest rate Stripe applied to that pair (ADR 050).
    index("payments_settled_rate_idx")
      .on(t.currency, t.settledCurrency, t.settledAt)
      .where(sql`${t.settledExchangeRate} is not null`),
    check(
      "payments_settlement_whole",
      sql`(${t.settledAmountMinor} is null) = (${t.settledCurrency} is null) and (${t.settledAmountMinor} is null) = (${t.settledAt} is null)`,
    ),
    check("payments_kind_known", giftKindCheck("kind")),
    check("payments_currency_known", currencyCheck("currency")),
    check("payments_amount_positive", sql`${t.amountMinor} > 0 and ${t.feeCoverMinor} >= 0`),
    check("payments_refund_bounds", sql`${t.refundedMinor} >= 0 and ${t.refundedMinor} <= ${t.amountMinor}`),
  ],
);

/*
 * Rollups of the ledger, kept by triggers on `payments` (migration 0005, ADR 012) so that a
 * campaign page or the dashboard never sums millions of rows. Net means amount less refunds
 * and fee cover, never below zero, as everywhere else. `rebuild_campaign_rollups()` recomputes
 * all three from the ledger.
 */

/** Per campaign and currency: what the progress bar shows. */
export const campaignTotals = pgTable(
  "campaign_totals",
  {
    campaignId: integer("campaign_id").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    raisedMinor: minor("raised_minor").notNull().default(0),
    /** People with at least one payment not refunded in full. */
    supporters: integer("supporters").notNull().default(0),
    /**
     * Of raised_minor, in the campaign's home currency (ADR 050): payments in the home currency
     * as they are, and payments in this currency that Stripe settled into the home currency, at
     * the settled amount (net of refunds and fee cover in proportion).
     */
    homeMinor: minor("home_minor").notNull().default(0),
    /** Of raised_minor, what is not in the home currency yet (in this currency), and of how many live payments. */
    unconvertedMinor: minor("unconverted_minor").notNull().default(0),
    unconvertedPayments: integer("unconverted_payments").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.currency] })],
);

/** Per campaign, currency and supporter: makes the supporter count exact under refunds. */
export const campaignSupporterTotals = pgTable(
  "campaign_supporter_totals",
  {
    campaignId: integer("campaign_id").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    supporterId: integer("supporter_id").notNull(),
    netMinor: minor("net_minor").notNull().default(0),
    livePayments: integer("live_payments").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.currency, t.supporterId] })],
);

/**
 * Net income per campaign, currency and quarter hour, split as the dashboard splits it. Every
 * time zone's midnight falls on a quarter hour, so months in any zone add up exactly.
 */
export const campaignIncomeBuckets = pgTable(
  "campaign_income_buckets",
  {
    campaignId: integer("campaign_id").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    oneOffMinor: minor("one_off_minor").notNull().default(0),
    recurringMinor: minor("recurring_minor").notNull().default(0),
    offlineMinor: minor("offline_minor").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.currency, t.bucketStart] })],
);

/*
 * Rollups of the live subscriptions and one-time tier years, kept by triggers on `subscriptions`
 * and `payments` (migration 0011, ADR 024), so that the dashboard counts people and monthly
 * revenue without reading every live subscription. What depends on the clock (a pause that ends,
 * a year that runs out) is stored as a date and compared with "now" when read.
 * `rebuild_subscription_rollups()` recomputes both tables from the subscriptions and the ledger.
 */

/** Per campaign and supporter: what their subscriptions and one-time years give them. */
export const campaignSubscriptionPeople = pgTable(
  "campaign_subscription_people",
  {
    campaignId: integer("campaign_id").notNull(),
    supporterId: integer("supporter_id").notNull(),
    /** Monthly gifts in an entitling status and not ending at the period's end (paused or not). */
    monthlyGifts: integer("monthly_gifts").notNull().default(0),
    /** Set only when every one of those gifts is paused: the earliest date one resumes. */
    monthlyPausedUntil: timestamp("monthly_paused_until", { withTimezone: true }),
    /** Monthly tier subscriptions in an entitling status, and those of them on a print plan. */
    tierSubscriptions: integer("tier_subscriptions").notNull().default(0),
    printSubscriptions: integer("print_subscriptions").notNull().default(0),
    /** The latest end of a one-time tier year not refunded in full (any tier, print only). */
    tierYearsUntil: timestamp("tier_years_until", { withTimezone: true }),
    printYearsUntil: timestamp("print_years_until", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.supporterId] }),
    // The read-time corrections: monthly donors whose every gift is paused, and people entitled
    // only by a one-time year (a few thousand rows each, not every supporter).
    index("campaign_subscription_people_paused_idx")
      .on(t.campaignId, t.monthlyPausedUntil)
      .where(sql`${t.monthlyPausedUntil} is not null`),
    index("campaign_subscription_people_years_idx")
      .on(t.campaignId, t.tierYearsUntil)
      .where(sql`${t.tierSubscriptions} = 0 and ${t.tierYearsUntil} is not null`),
    index("campaign_subscription_people_print_years_idx")
      .on(t.campaignId, t.printYearsUntil)
      .where(sql`${t.printSubscriptions} = 0 and ${t.printYearsUntil} is not null`),
  ],
);

/**
 * Changes to a campaign's figures, appended by the triggers and summed when read; a scheduled job
 * folds them into one row per campaign and currency. Appending (never updating one hot row) keeps
 * concurrent webhooks from queueing on each other. Monthly revenue is per currency and ignores
 * pauses; the people counts carry no currency. Each count is of people with at least one such
 * subscription: monthly donors (paused or not), tier subscribers, print subscribers.
 */
export const campaignSubscriptionFigures = pgTable(
  "campaign_subscription_figures",
  {
    campaignId: integer("campaign_id").notNull(),
    currency: text("currency").$type<Currency>(),
    recurringMinor: minor("recurring_minor").notNull().default(0),
    monthlyDonors: integer("monthly_donors").notNull().default(0),
    tierPeople: integer("tier_people").notNull().default(0),
    printPeople: integer("print_people").notNull().default(0),
  },
  (t) => [index("campaign_subscription_figures_campaign_idx").on(t.campaignId)],
);

/** Gapless counters (receipt numbers): a row lock inside the payment's transaction. */
export const counters = pgTable("counters", {
  name: text("name").primaryKey(),
  value: bigint("value", { mode: "number" }).notNull().default(0),
});

/** A receipt as issued: its content never changes; a correction is a new document. */
export const receipts = pgTable(
  "receipts",
  {
    id: serial("id").primaryKey(),
    paymentId: integer("payment_id")
      .notNull()
      .references(() => payments.id),
    receiptNumber: integer("receipt_number").notNull(),
    issuedAt: timestamp("issued_at", { withTimezone: true }).notNull().defaultNow(),
    snapshot: jsonb("snapshot").$type<ReceiptSnapshot>().notNull(),
    /** Supporters without an email address get a printed receipt: when staff marked it posted. */
    postedAt: timestamp("posted_at", { withTimezone: true }),
    postedByStaffId: integer("posted_by_staff_id"),
    /** Set when the receipt was issued to someone without an email address: it must be posted. */
    needsPosting: boolean("needs_posting").notNull().default(false),
  },
  (t) => [
    uniqueIndex("receipts_payment_unique").on(t.paymentId),
    uniqueIndex("receipts_number_unique").on(t.receiptNumber),
    // The "receipts to post" list: a handful of rows, never a scan of the ledger.
    index("receipts_to_post_idx")
      .on(t.paymentId)
      .where(sql`${t.needsPosting} and ${t.postedAt} is null`),
  ],
);

/** Idempotency for provider deliveries: one row per Stripe event id. */
export const providerEvents = pgTable("provider_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  providerCreatedAt: timestamp("provider_created_at", { withTimezone: true }).notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  processedAt: timestamp("processed_at", { withTimezone: true }),
});

/**
 * Deliveries that were verified but could not be applied (the transaction rolled back): kept so
 * staff can see the error and replay them. Stripe retries too; whichever applies first wins, the
 * other is a duplicate. Resolved rows are deleted by the retention job.
 */
export const webhookFailures = pgTable(
  "webhook_failures",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    /** The verified Stripe event as JSON, for replay. */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull().default(1),
    firstFailedAt: timestamp("first_failed_at", { withTimezone: true }).notNull().defaultNow(),
    lastFailedAt: timestamp("last_failed_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** 'redelivered' (Stripe's retry applied it) or 'replayed' (staff pressed replay). */
    resolution: text("resolution"),
  },
  (t) => [
    index("webhook_failures_open_idx")
      .on(t.lastFailedAt)
      .where(sql`${t.resolvedAt} is null`),
  ],
);

/** Mail to send, written in the same transaction as the change that caused it. */
export const outbox = pgTable(
  "outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    template: text("template").notNull(),
    toEmail: text("to_email").notNull(),
    props: jsonb("props").$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    failedAt: timestamp("failed_at", { withTimezone: true }),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    /**
     * Messages about one thing (`subscription:<id>`) go out oldest first, and one that a newer
     * message of the same key supersedes is never sent (ADR 035).
     */
    supersedeKey: text("supersede_key"),
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    /** About a discreet campaign's gift (ADR 051): sent under a neutral sender name and subject. */
    discreet: boolean("discreet").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("outbox_idempotency_unique").on(t.idempotencyKey),
    index("outbox_supersede_idx")
      .on(t.supersedeKey, t.createdAt)
      .where(sql`${t.supersedeKey} is not null`),
    // The supporter page lists the mail sent to a person's address, newest first, 25 at a time.
    index("outbox_to_email_idx").on(sql`lower(${t.toEmail})`, t.createdAt, t.id),
    index("outbox_pending_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.sentAt} is null and ${t.failedAt} is null`),
  ],
);

/** Where mail goes when no RESEND_API_KEY is set: readable at /dev/mailbox. */
export const devMailbox = pgTable(
  "dev_mailbox",
  {
    id: serial("id").primaryKey(),
    outboxId: uuid("outbox_id").notNull(),
    toEmail: text("to_email").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("dev_mailbox_outbox_unique").on(t.outboxId)],
);

/** Fixed-window counters for rate limits, shared by every app process. */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
  hits: integer("hits").notNull(),
});

export const STAFF_ROLES = ["admin", "staff"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** People who answer the phone line and run the campaign. */
export const staffUsers = pgTable(
  "staff_users",
  {
    id: serial("id").primaryKey(),
    email: text("email").notNull(),
    emailKey: text("email_key")
      .notNull()
      .generatedAlwaysAs(sql`lower(email)`),
    name: text("name").notNull(),
    /** argon2id; null until the person sets a password. */
    passwordHash: text("password_hash"),
    role: text("role").$type<StaffRole>().notNull(),
    createdAt: createdAt(),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("staff_users_email_unique").on(t.emailKey),
    check("staff_users_role_known", sql`${t.role} in ('admin', 'staff')`),
  ],
);

/** Single-use set-password links for staff: an invitation, or a reset an admin sent. Stored hashed. */
export const staffPasswordTokens = pgTable(
  "staff_password_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    staffUserId: integer("staff_user_id")
      .notNull()
      .references(() => staffUsers.id),
    purpose: text("purpose").$type<"invite" | "reset">().notNull(),
    createdByStaffId: integer("created_by_staff_id"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("staff_password_tokens_token_unique").on(t.tokenHash),
    index("staff_password_tokens_staff_idx").on(t.staffUserId),
    check("staff_password_tokens_purpose_known", sql`${t.purpose} in ('invite', 'reset')`),
  ],
);

/** Signed-in sessions of supporters and of staff: the cookie holds a token, we keep its hash. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    supporterId: integer("supporter_id").references(() => supporters.id),
    staffUserId: integer("staff_user_id").references(() => staffUsers.id),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("sessions_token_unique").on(t.tokenHash),
    index("sessions_supporter_idx").on(t.supporterId),
    index("sessions_staff_idx").on(t.staffUserId),
    check("sessions_one_subject", sql`(${t.supporterId} is null) <> (${t.staffUserId} is null)`),
  ],
);

export const LOGIN_PURPOSES = ["sign_in", "manage", "email_change"] as const;
export type LoginPurpose = (typeof LOGIN_PURPOSES)[number];

/** Single-use links sent by email; stored hashed, bound to the address they were sent to. */
export const loginTokens = pgTable(
  "login_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    supporterId: integer("supporter_id")
      .notNull()
      .references(() => supporters.id),
    email: text("email").notNull(),
    purpose: text("purpose").$type<LoginPurpose>().notNull(),
    newEmail: text("new_email"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("login_tokens_token_unique").on(t.tokenHash),
    index("login_tokens_supporter_idx").on(t.supporterId),
    check("login_tokens_purpose_known", sql`${t.purpose} in ('sign_in', 'manage', 'email_change')`),
  ],
);

/** Who did what to which record: staff actions, supporters' privacy actions, scheduled jobs. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: serial("id").primaryKey(),
    actorType: text("actor_type").$type<"staff" | "supporter" | "system">().notNull(),
    actorId: integer("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_target_idx").on(t.targetType, t.targetId), index("audit_log_created_idx").on(t.createdAt)],
);

export const PLEDGE_PAY_METHODS = ["link", "cheque", "bank_transfer", "cash"] as const;
export type PledgePayMethod = (typeof PLEDGE_PAY_METHODS)[number];

/** A gift promised on the phone line, paid by an emailed link or recorded offline. */
export const pledges = pgTable(
  "pledges",
  {
    id: serial("id").primaryKey(),
    supporterId: integer("supporter_id")
      .notNull()
      .references(() => supporters.id),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    planId: integer("plan_id").references(() => plans.id),
    kind: text("kind").$type<GiftKind>().notNull(),
    amountMinor: minor("amount_minor").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    payMethod: text("pay_method").$type<PledgePayMethod>().notNull(),
    status: text("status").$type<"pending" | "paid" | "cancelled" | "expired">().notNull().default("pending"),
    notes: text("notes"),
    /** The caller's wishes for the wall: not named publicly, and a message of support (moderated like any other). */
    anonymous: boolean("anonymous").notNull().default(false),
    message: text("message"),
    takenByStaffId: integer("taken_by_staff_id")
      .notNull()
      .references(() => staffUsers.id),
    /** The /pay/<token> link: stored hashed. */
    linkTokenHash: text("link_token_hash"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    reminderSentAt: timestamp("reminder_sent_at", { withTimezone: true }),
    paymentId: integer("payment_id").references(() => payments.id),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("pledges_link_token_unique").on(t.linkTokenHash),
    index("pledges_status_idx").on(t.status, t.createdAt),
    index("pledges_supporter_idx").on(t.supporterId, t.createdAt, t.id),
    check("pledges_kind_known", giftKindCheck("kind")),
    check("pledges_currency_known", currencyCheck("currency")),
    check("pledges_amount_positive", sql`${t.amountMinor} > 0`),
    check("pledges_status_known", sql`${t.status} in ('pending', 'paid', 'cancelled', 'expired')`),
    check("pledges_pay_method_known", sql`${t.payMethod} in ('link', 'cheque', 'bank_transfer', 'cash')`),
  ],
);

/** What staff wrote about a supporter (never shown to the supporter, included in their data export). */
/** Why staff refunded: Stripe's own reasons, or "other" (then the note says why). */
export const REFUND_REASONS = ["requested_by_customer", "duplicate", "fraudulent", "other"] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/**
 * Each refund staff confirmed (ADR 039): what, why, who, keyed by the request id minted when the
 * confirmation was shown, so the same confirmation posted twice refunds once while two
 * confirmations are two refunds. The ledger total stays on payments.refunded_minor (Stripe's
 * charge.refunded); this is the staff record beside it.
 */
export const paymentRefunds = pgTable(
  "payment_refunds",
  {
    id: serial("id").primaryKey(),
    paymentId: integer("payment_id")
      .notNull()
      .references(() => payments.id),
    requestId: uuid("request_id").notNull(),
    amountMinor: minor("amount_minor").notNull(),
    currency: text("currency").$type<Currency>().notNull(),
    reason: text("reason").$type<RefundReason>().notNull(),
    /** Staff's words; may name the person, so erasure blanks it. */
    note: text("note"),
    staffUserId: integer("staff_user_id")
      .notNull()
      .references(() => staffUsers.id),
    /** Stripe's Refund id once Stripe accepted it; null for offline and simulated refunds. */
    providerRefundId: text("provider_refund_id"),
    /** When the provider accepted it (or, offline, when it was recorded); null until then. */
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    /** While one request is asking the provider: a second post of the same confirmation waits its turn. */
    askingSince: timestamp("asking_since", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("payment_refunds_request_unique").on(t.requestId),
    index("payment_refunds_payment_idx").on(t.paymentId, t.id),
    check("payment_refunds_amount_positive", sql`${t.amountMinor} > 0`),
    check(
      "payment_refunds_reason_known",
      sql`${t.reason} in ('requested_by_customer', 'duplicate', 'fraudulent', 'other')`,
    ),
  ],
);

/**
 * What the ledger learnt of a payment's refunded total, and when (ADR 046): each charge.refunded
 * says "by this time, this much of the charge was refunded"; an offline refund says it as it is
 * recorded. The refunds themselves, dated, are derived from these (`refundMovements`): sorted by
 * time, each rise of the running maximum is one refund. The set of observations is the same
 * whatever order Stripe delivers its events in, so the dated refunds are too; they always add up
 * to `payments.refunded_minor`.
 */
export const refundObservations = pgTable(
  "refund_observations",
  {
    id: serial("id").primaryKey(),
    paymentId: integer("payment_id")
      .notNull()
      .references(() => payments.id),
    /** When the provider said it (the event's `created`), or when an offline refund was recorded. */
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    /** The payment's refunded total at that time, never more than the payment. */
    refundedTotalMinor: minor("refunded_total_minor").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("refund_observations_unique").on(t.paymentId, t.observedAt, t.refundedTotalMinor),
    // The statement export finds the refunds of a date range.
    index("refund_observations_observed_idx").on(t.observedAt),
    check("refund_observations_total_positive", sql`${t.refundedTotalMinor} > 0`),
  ],
);

export const staffNotes = pgTable(
  "staff_notes",
  {
    id: serial("id").primaryKey(),
    supporterId: integer("supporter_id")
      .notNull()
      .references(() => supporters.id),
    staffUserId: integer("staff_user_id")
      .notNull()
      .references(() => staffUsers.id),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("staff_notes_supporter_idx").on(t.supporterId, t.createdAt, t.id)],
);
