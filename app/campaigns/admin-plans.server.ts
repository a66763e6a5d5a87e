import { and, asc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { one } from "@db/rows";
import type { PlanTranslations } from "@db/types";
import {
  BILLINGS,
  campaigns,
  checkouts,
  CURRENCIES,
  payments,
  planPrices,
  plans,
  pledges,
  subscriptions,
  TIERS,
  type Billing,
  type Currency,
  type Tier,
} from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { getEnv } from "~/env.server";
import { formValues, zodFieldErrors, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { name, noControl, parseAmount } from "~/validation/fields";
import { describeError, logger } from "~/log.server";
import { formatMoney } from "~/money";
import { syncPlanToStripe } from "~/payments/stripe.server";
import { ENTITLING_STATUSES } from "~/supporters/entitlements.server";
import type { Plan } from "./campaigns.server";
import { planPricesOf, type PlanPrice } from "./currencies.server";
import {
  changedFields,
  Checkbox,
  checkTheForm,
  failure,
  lockEditing,
  moneyInput,
  rowsOf,
  staffActor,
  versionOf,
  type EditFailure,
  type Staff,
} from "./admin-editing.server";
import { lazyMessage, t } from "~/i18n/t";

/**
 * Admins create and edit supporter tiers. A price change is for new supporters only: every
 * subscription holds its own amount (and, with Stripe, its own Price), and nothing here touches
 * them. With Stripe, checkout finds a tier's Price by lookup key, so a saved price change moves
 * the key to a new Price first; if Stripe refuses, nothing is saved.
 */

// ---------------------------------------------------------------------------------------------
// Who is on a plan

/**
 * Supporters whose support is running on the plan: live monthly subscriptions, or 12-month
 * payments that have not run out (and were not refunded).
 */
async function countCurrentSupporters(db: DB, plan: Pick<Plan, "id" | "billing">, now = new Date()): Promise<number> {
  if (plan.billing === "monthly") {
    const row = one(
      await db
        .select({ n: sql<string>`count(*)` })
        .from(subscriptions)
        .where(and(eq(subscriptions.planId, plan.id), inArray(subscriptions.status, [...ENTITLING_STATUSES]))),
      "count current monthly supporters",
    );
    return Number(row.n);
  }
  const row = one(
    await db
      .select({ n: sql<string>`count(distinct ${payments.supporterId})` })
      .from(payments)
      .where(
        and(
          eq(payments.planId, plan.id),
          eq(payments.kind, "tier_one_time"),
          gt(payments.coversUntil, now),
          lt(payments.refundedMinor, sql`${payments.amountMinor}`),
        ),
      ),
    "count current 12-month supporters",
  );
  return Number(row.n);
}

/** Anyone who ever chose the plan fixes its tier, billing and currency: entitlements read them. */
async function planInUse(db: DB, planId: number): Promise<boolean> {
  const result = await db.execute(sql`select (
      exists (select 1 from ${subscriptions} where ${subscriptions.planId} = ${planId})
      or exists (select 1 from ${payments} where ${payments.planId} = ${planId})
      or exists (select 1 from ${checkouts} where ${checkouts.planId} = ${planId})
      or exists (select 1 from ${pledges} where ${pledges.planId} = ${planId})
    ) as used`);
  return Boolean(rowsOf<{ used: boolean }>(result)[0]?.used);
}

// ---------------------------------------------------------------------------------------------
// The list

export async function listPlansForAdmin(db: DB) {
  const rows = await db.select().from(plans).orderBy(asc(plans.sortOrder), asc(plans.id));
  return Promise.all(
    rows.map(async (p) => ({
      id: p.id,
      code: p.code,
      name: p.name,
      tier: p.tier,
      billing: p.billing,
      price: formatMoney(p.amountMinor, p.currency, "en-AU", { alwaysShowCents: true }),
      currency: p.currency,
      active: p.active,
      sortOrder: p.sortOrder,
      currentSupporters: await countCurrentSupporters(db, p),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// The form

export const PLAN_FIELDS = [
  "version",
  "code",
  "name",
  "description",
  "benefits",
  "price",
  "currency",
  "tier",
  "billing",
  "active",
  "sortOrder",
  "confirmPriceChange",
  ...CURRENCIES.map((c) => `price${c}` as const),
  // Its words in Russian (app/campaigns/plan-text.ts): empty = readers in Russian see the English.
  "nameRu",
  "descriptionRu",
  "benefitsRu",
] as const;

/** Pasted text can carry control characters: PostgreSQL refuses NUL, and the rest reach the public page. */

const Description = z
  .string()
  .trim()
  .max(2000, lazyMessage("admin.error.plan.keepDescriptionUnder2000"))
  .refine(...noControl({ multiline: true }))
  .default("");

/** One benefit a line, empty lines dropped. */
const Benefits = z
  .string()
  .default("")
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .max(200, lazyMessage("admin.error.plan.keepEachBenefitUnder"))
          .refine(...noControl()),
      )
      .max(12, lazyMessage("admin.error.plan.listAtMost12Benefits")),
  );

const PlanFormSchema = z.object({
  name: name({ audience: "staff", required: t("admin.error.plan.enterName") }),
  description: Description,
  benefits: Benefits,
  nameRu: z
    .string()
    .trim()
    .max(200, lazyMessage("admin.error.plan.keepNameRuUnder200"))
    .refine(...noControl())
    .default(""),
  descriptionRu: Description,
  benefitsRu: Benefits,
  price: z.string(lazyMessage("admin.error.plan.enterPrice")),
  currency: z.enum(CURRENCIES, lazyMessage("admin.error.plan.chooseCurrency")),
  tier: z.enum(TIERS, lazyMessage("admin.error.plan.chooseDigitalPrint")),
  billing: z.enum(BILLINGS, lazyMessage("admin.error.plan.chooseMonthlyOnePayment")),
  active: Checkbox,
  sortOrder: z.coerce
    .number(lazyMessage("admin.error.plan.enterWholeNumberLike"))
    .int(lazyMessage("admin.error.plan.enterWholeNumberLike"))
    .min(0, lazyMessage("admin.error.plan.enterZeroOrMore"))
    .max(10_000, lazyMessage("admin.error.plan.enterNumberUpTo10000"))
    .default(0),
  confirmPriceChange: Checkbox,
});

const CodeSchema = z
  .string(lazyMessage("admin.error.plan.enterCode"))
  .trim()
  .toLowerCase()
  .min(1, lazyMessage("admin.error.plan.enterCode"))
  .max(60, lazyMessage("admin.error.plan.keepCodeUnder60Chars"))
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, lazyMessage("admin.error.plan.useLowercaseLettersDigits"));

export type PlanInput = {
  name: string;
  description: string;
  benefits: string[];
  /** Left out: the plan's words in other languages stay as they are. */
  translations?: PlanTranslations;
  amountMinor: number;
  currency: Currency;
  tier: Tier;
  billing: Billing;
  active: boolean;
  sortOrder: number;
};

/** A plan's prices in other currencies (ADR 050): Stripe's Price holds each as a currency option. */
export type OtherPrices = { currency: Currency; amountMinor: number }[];

export type PlanForm = PlanInput & {
  code: string | null;
  version: string | null;
  confirmPriceChange: boolean;
  otherPrices: OtherPrices;
};

/** `withCode` for a new plan: the code (and the lookup key made from it) never changes later. */
export function parsePlanForm(
  formData: FormData,
  { withCode }: { withCode: boolean },
): { ok: true; value: PlanForm; values: FormValues } | { ok: false; errors: FieldErrors; values: FormValues } {
  const values = formValues(formData, PLAN_FIELDS);
  // An empty sort order means 0, not "not a number".
  const parsed = PlanFormSchema.safeParse({ ...values, sortOrder: values.sortOrder?.trim() || undefined });
  const code = withCode ? CodeSchema.safeParse(values.code) : null;
  const errors: FieldErrors = {
    ...(code && !code.success ? { code: code.error.issues[0]?.message } : {}),
    ...(parsed.success ? {} : zodFieldErrors(parsed.error)),
  };
  const currency = CURRENCIES.find((c) => c === values.currency);
  const price = currency ? parseAmount(values.price ?? "", currency) : null;
  if (price && "error" in price) errors.price ??= price.error;
  const otherPrices: OtherPrices = [];
  for (const other of CURRENCIES) {
    const typed = values[`price${other}`]?.trim();
    if (other === currency || !typed) continue;
    const parsedOther = parseAmount(typed, other);
    if ("error" in parsedOther) errors[`price${other}`] ??= parsedOther.error;
    else otherPrices.push({ currency: other, amountMinor: parsedOther.amountMinor });
  }
  if (parsed.success) {
    const { nameRu, descriptionRu, benefitsRu } = parsed.data;
    if (!nameRu && (descriptionRu || benefitsRu.length > 0)) errors.nameRu ??= t("admin.error.plan.nameRuNeeded");
  }
  if (!parsed.success || !price || "error" in price || (code && !code.success) || Object.keys(errors).length > 0)
    return { ok: false, errors, values };
  const { price: _typed, nameRu, descriptionRu, benefitsRu, ...rest } = parsed.data;
  const translations: PlanTranslations = nameRu
    ? { ru: { name: nameRu, description: descriptionRu, benefits: benefitsRu } }
    : {};
  return {
    ok: true,
    values,
    value: {
      ...rest,
      translations,
      amountMinor: price.amountMinor,
      otherPrices,
      code: code?.data ?? null,
      version: values.version ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Loading for the edit form

const planVersion = (p: Plan, others: readonly PlanPrice[]) =>
  versionOf([
    others.map((o) => [o.currency, o.amountMinor]),
    p.code,
    p.name,
    p.description,
    p.benefits,
    p.translations,
    p.amountMinor,
    p.currency,
    p.tier,
    p.billing,
    p.active,
    p.sortOrder,
    p.lookupKey,
  ]);

function formValuesOf(p: Plan, others: readonly PlanPrice[]): FormValues {
  return {
    ...Object.fromEntries(others.map((o) => [`price${o.currency}`, moneyInput(o.amountMinor, o.currency)])),
    version: planVersion(p, others),
    code: p.code,
    name: p.name,
    description: p.description,
    benefits: p.benefits.join("\n"),
    nameRu: p.translations.ru?.name ?? "",
    descriptionRu: p.translations.ru?.description ?? "",
    benefitsRu: (p.translations.ru?.benefits ?? []).join("\n"),
    price: moneyInput(p.amountMinor, p.currency),
    currency: p.currency,
    tier: p.tier,
    billing: p.billing,
    sortOrder: String(p.sortOrder),
    ...(p.active ? { active: "on" } : {}),
  };
}

export async function getPlanForEdit(db: DB, { planId }: { planId: number }) {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan) return null;
  const [currentSupporters, inUse, others] = await Promise.all([
    countCurrentSupporters(db, plan),
    planInUse(db, planId),
    planPricesOf(db, plan),
  ]);
  return {
    id: plan.id,
    code: plan.code,
    name: plan.name,
    billing: plan.billing,
    currency: plan.currency,
    amountMinor: plan.amountMinor,
    price: formatMoney(plan.amountMinor, plan.currency, "en-AU", { alwaysShowCents: true }),
    values: formValuesOf(plan, others),
    currentSupporters,
    /** Tier, billing and currency are fixed once anyone chose the plan. */
    locked: inUse,
    stripe: getEnv().paymentsMode === "stripe",
  };
}

/** A new plan's form: the default campaign's currency, monthly, active, last in the list. */
export async function newPlanValues(db: DB): Promise<FormValues> {
  const [current] = await db
    .select({ currency: campaigns.currency })
    .from(campaigns)
    .where(eq(campaigns.isDefault, true));
  const [last] = await db.select({ sortOrder: sql<number>`coalesce(max(${plans.sortOrder}), 0)` }).from(plans);
  return {
    currency: current?.currency ?? "AUD",
    tier: "digital",
    billing: "monthly",
    active: "on",
    sortOrder: String(Number(last?.sortOrder ?? 0) + 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Saving

export const planChangedMessage = (): string => t("admin.error.plan.someoneElseChangedPlan");

/** Thrown inside the saving transaction so that a Stripe refusal rolls our change back too. */
class StripeSyncFailed extends Error {}

function stripeFailure(error: unknown): EditFailure {
  const said =
    error instanceof StripeSyncFailed && error.cause instanceof Error && error.cause.message
      ? t("admin.error.plan.stripeSaid", { message: error.cause.message })
      : "";
  return failure("unavailable", t("admin.error.plan.stripeRefused", { said }));
}

/** With Stripe, checkout pays the Price holding the plan's lookup key: make it match first. */
async function syncToStripe(plan: Plan, why: string, otherPrices: readonly PlanPrice[]) {
  try {
    return await syncPlanToStripe({ ...plan, otherPrices });
  } catch (error) {
    logger.warn({ planId: plan.id, why, err: describeError(error) }, "plan sync to stripe failed");
    throw new StripeSyncFailed("stripe sync failed", { cause: error });
  }
}

/** Replaces a plan's prices in other currencies with these; answers them as saved, sorted by currency. */
async function savePlanPrices(tx: DB, plan: Plan, others: readonly PlanPrice[]): Promise<PlanPrice[]> {
  const wanted = others
    .filter((o) => o.currency !== plan.currency)
    .sort((a, b) => a.currency.localeCompare(b.currency));
  await tx.delete(planPrices).where(eq(planPrices.planId, plan.id));
  if (wanted.length > 0) await tx.insert(planPrices).values(wanted.map((o) => ({ planId: plan.id, ...o })));
  return wanted;
}

/** Tiers are paid to the default campaign, in its currency, so an active plan must share it. */
async function defaultCampaignCurrencyError(tx: DB, input: PlanInput): Promise<string | null> {
  if (!input.active) return null;
  const [current] = await tx
    .select({ currency: campaigns.currency })
    .from(campaigns)
    .where(eq(campaigns.isDefault, true));
  if (!current || current.currency === input.currency) return null;
  return t("admin.error.plan.defaultCampaignCurrency", { currency: current.currency });
}

/** Only the columns the form edits, whatever else the caller's object carries. */
const editable = (p: PlanInput): PlanInput => ({
  name: p.name,
  description: p.description,
  benefits: p.benefits,
  ...(p.translations ? { translations: p.translations } : {}),
  amountMinor: p.amountMinor,
  currency: p.currency,
  tier: p.tier,
  billing: p.billing,
  active: p.active,
  sortOrder: p.sortOrder,
});

const lookupKeyFor = (code: string, currency: Currency) => `ff_${code.replace(/-/g, "_")}_${currency.toLowerCase()}`;

export async function createPlan(
  db: DB,
  { staff, input }: { staff: Staff; input: PlanInput & { code: string; otherPrices?: OtherPrices } },
): Promise<{ ok: true; planId: number } | EditFailure> {
  if (staff.role !== "admin") return failure("forbidden", t("admin.error.plan.onlyAdministratorCanCreate"));
  const lookupKey = lookupKeyFor(input.code, input.currency);
  try {
    return await db.transaction(async (tx) => {
      await lockEditing(tx, "plans");
      const errors: FieldErrors = {};
      const [clash] = await tx
        .select({ id: plans.id })
        .from(plans)
        .where(or(eq(plans.code, input.code), eq(plans.lookupKey, lookupKey)));
      if (clash) errors.code = t("admin.error.plan.anotherPlanAlreadyUses");
      const currencyError = await defaultCampaignCurrencyError(tx, input);
      if (currencyError) errors.currency = currencyError;
      if (Object.keys(errors).length > 0) return failure("invalid", checkTheForm(), errors);
      const { code } = input;
      const created = one(
        await tx
          .insert(plans)
          .values({ ...editable(input), code, lookupKey })
          .returning(),
        "createPlan: insert plan",
      );
      const otherPrices = await savePlanPrices(tx, created, input.otherPrices ?? []);
      const stripe =
        getEnv().paymentsMode === "stripe" && created.active
          ? await syncToStripe(created, "create", otherPrices)
          : null;
      await recordAudit(tx, {
        actor: staffActor(staff),
        action: "plan.create",
        target: { type: "plan", id: created.id },
        details: {
          code,
          amountMinor: created.amountMinor,
          currency: created.currency,
          billing: created.billing,
          active: created.active,
          stripe,
        },
      });
      return { ok: true as const, planId: created.id };
    });
  } catch (error) {
    if (error instanceof StripeSyncFailed) return stripeFailure(error);
    throw error;
  }
}

/**
 * Saves only if nobody saved since the form was loaded. A new price needs `confirmPriceChange`
 * while anyone is on the plan; their subscriptions keep their own amount and Stripe Price.
 */
export async function updatePlan(
  db: DB,
  {
    staff,
    planId,
    version,
    input,
    confirmPriceChange,
  }: {
    staff: Staff;
    planId: number;
    version: string | null;
    input: PlanInput & { otherPrices?: OtherPrices };
    confirmPriceChange: boolean;
  },
): Promise<{ ok: true; currentSupporters: number; priceChanged: boolean } | EditFailure> {
  if (staff.role !== "admin") return failure("forbidden", t("admin.error.plan.onlyAdministratorCanEdit"));
  try {
    return await db.transaction(async (tx) => {
      await lockEditing(tx, "plans");
      const [current] = await tx.select().from(plans).where(eq(plans.id, planId)).for("update");
      if (!current) return failure("not_found", t("admin.error.plan.notFound"));
      const othersBefore = await planPricesOf(tx, current);
      if (version !== planVersion(current, othersBefore)) return failure("conflict", planChangedMessage());

      const errors: FieldErrors = {};
      if (await planInUse(tx, planId)) {
        const fixed = t("admin.error.plan.supportersHaveChosenPlan");
        if (input.tier !== current.tier) errors.tier = fixed;
        if (input.billing !== current.billing) errors.billing = fixed;
        if (input.currency !== current.currency) errors.currency = fixed;
      }
      const currencyError = errors.currency ? null : await defaultCampaignCurrencyError(tx, input);
      if (currencyError) errors.currency = currencyError;
      const priceChanged = input.amountMinor !== current.amountMinor;
      const currentSupporters = await countCurrentSupporters(tx, current);
      if (priceChanged && currentSupporters > 0 && !confirmPriceChange) {
        errors.confirmPriceChange = t("admin.error.plan.confirmPriceChange", {
          count: currentSupporters,
          amount: formatMoney(current.amountMinor, current.currency, "en-AU", { alwaysShowCents: true }),
        });
      }
      if (Object.keys(errors).length > 0) return failure("invalid", checkTheForm(), errors);

      const next = editable(input);
      const wantedOthers = (input.otherPrices ?? othersBefore)
        .filter((o) => o.currency !== input.currency)
        .sort((a, b) => a.currency.localeCompare(b.currency));
      const othersChanged = JSON.stringify(othersBefore) !== JSON.stringify(wantedOthers);
      const changed = [...changedFields(current, next), ...(othersChanged ? ["otherPrices"] : [])];
      if (changed.length === 0) return { ok: true as const, currentSupporters, priceChanged };
      if (othersChanged) await savePlanPrices(tx, current, wantedOthers);
      // The row is locked above (for update), so the update finds it.
      const saved = one(
        await tx.update(plans).set(next).where(eq(plans.id, planId)).returning(),
        "updatePlan: update plan",
      );
      const stripeRelevant = ["amountMinor", "currency", "billing", "name", "active", "otherPrices"].some((f) =>
        changed.includes(f),
      );
      const stripe =
        getEnv().paymentsMode === "stripe" && saved.active && stripeRelevant
          ? await syncToStripe(saved, "update", wantedOthers)
          : null;
      await recordAudit(tx, {
        actor: staffActor(staff),
        action: "plan.update",
        target: { type: "plan", id: planId },
        details: {
          changed,
          ...(priceChanged
            ? {
                amountMinor: { from: current.amountMinor, to: saved.amountMinor },
                currentSupportersKeepTheirPrice: currentSupporters,
              }
            : {}),
          ...(changed.includes("active") ? { active: saved.active } : {}),
          stripe,
        },
      });
      return { ok: true as const, currentSupporters, priceChanged };
    });
  } catch (error) {
    if (error instanceof StripeSyncFailed) return stripeFailure(error);
    throw error;
  }
}
