import { DEFAULT_LOCALE, LOCALES, type Locale } from "~/i18n/locales";
import { and, asc, desc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { one } from "@db/rows";
import {
  campaignCurrencies,
  campaigns,
  checkouts,
  CURRENCIES,
  payments,
  plans,
  pledges,
  subscriptions,
  type Currency,
} from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { formatDate, parseDay, startOfDayTextInZone, zonedParts } from "~/dates";
import { formValues, zodFieldErrors, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { lazyMessage, t } from "~/i18n/t";
import { name, noControl, optionalPhone, optionalStatementDescriptor, parseAmount } from "~/validation/fields";
import { formatMoney } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getCampaignProgress, type Campaign } from "./campaigns.server";
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

/**
 * Admins create and edit campaigns. Dates are calendar days in the organisation's time zone;
 * amounts are typed in the campaign's currency and stored in minor units.
 */

// ---------------------------------------------------------------------------------------------
// The list

export async function listCampaignsForAdmin(db: DB) {
  const [rows, settings] = await Promise.all([
    db.select().from(campaigns).orderBy(desc(campaigns.isDefault), desc(campaigns.startsAt), asc(campaigns.id)),
    getOrganisationSettings(db),
  ]);
  return Promise.all(
    rows.map(async (c) => {
      const progress = await getCampaignProgress(db, c);
      return {
        id: c.id,
        name: c.name,
        slug: c.slug,
        currency: c.currency,
        isDefault: c.isDefault,
        phone: c.phone,
        raised: formatMoney(progress.raisedMinor, c.currency),
        target: formatMoney(c.targetMinor, c.currency),
        percent: progress.percent,
        starts: formatDate(c.startsAt, settings.timeZone, "medium"),
        ends: c.endsAt ? formatDate(c.endsAt, settings.timeZone, "medium") : null,
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The form

export const CAMPAIGN_FIELDS = [
  "version",
  "name",
  "slug",
  "headline",
  "description",
  "currency",
  "target",
  "minGift",
  "maxGift",
  "presetAmounts",
  "phone",
  "startsOn",
  "endsOn",
  "isDefault",
  "discreet",
  "statementDescriptor",
  "locale",
  ...CURRENCIES.map((c) => `presets${c}` as const),
] as const;

/** The form field of a currency the campaign may take besides its own (ADR 050): its presets, empty = not taken. */
export const otherPresetsField = (currency: Currency) => `presets${currency}` as const;

const realDay = (text: string) => {
  const parts = parseDay(text);
  if (!parts) return false;
  const { year: y, month: m, day: d } = parts;
  const date = new Date(Date.UTC(y, m - 1, d));
  return (
    date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 2000 && y <= 2100
  );
};

/** Pasted text can carry control characters: PostgreSQL refuses NUL, and the rest reach the public page. */

const CampaignFormSchema = z.object({
  name: name({ audience: "staff", required: t("admin.error.campaign.enterName") }),
  slug: z
    .string(lazyMessage("admin.error.campaign.enterWebAddress"))
    .trim()
    .toLowerCase()
    .min(1, lazyMessage("admin.error.campaign.enterWebAddress"))
    .max(80, lazyMessage("admin.error.campaign.keepWebAddressUnder"))
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, lazyMessage("admin.error.campaign.useLowercaseLettersDigits")),
  headline: z
    .string(lazyMessage("admin.error.campaign.enterHeadline"))
    .trim()
    .min(1, lazyMessage("admin.error.campaign.enterHeadline"))
    .max(200, lazyMessage("admin.error.campaign.keepHeadlineUnder200Chars"))
    .refine(...noControl()),
  description: z
    .string()
    .trim()
    .max(5000, lazyMessage("admin.error.campaign.keepDescriptionUnder5000"))
    .refine(...noControl({ multiline: true }))
    .default(""),
  currency: z.enum(CURRENCIES, lazyMessage("admin.error.campaign.chooseCurrency")),
  target: z.string(lazyMessage("admin.error.campaign.enterTarget")),
  minGift: z.string(lazyMessage("admin.error.campaign.enterSmallestGift")),
  maxGift: z.string(lazyMessage("admin.error.campaign.enterLargestGift")),
  presetAmounts: z.string(lazyMessage("admin.error.campaign.enterSuggestedAmounts")),
  phone: optionalPhone.transform((v) => v ?? ""),
  startsOn: z
    .string(lazyMessage("admin.error.campaign.enterStartDate"))
    .trim()
    .refine(realDay, lazyMessage("admin.error.campaign.enterStartDateDate")),
  endsOn: z
    .string()
    .optional()
    .transform((v) => (v ? v.trim() : ""))
    .refine((v) => v === "" || realDay(v), lazyMessage("admin.error.campaign.enterEndDateDate")),
  isDefault: Checkbox,
  discreet: Checkbox,
  statementDescriptor: optionalStatementDescriptor,
  // Absent from forms posted before the field existed: the campaign's language stays English.
  locale: z.enum(LOCALES, lazyMessage("admin.error.campaign.chooseLanguage")).default(DEFAULT_LOCALE),
});

export type CampaignInput = {
  name: string;
  slug: string;
  headline: string;
  description: string;
  currency: Currency;
  targetMinor: number;
  minGiftMinor: number;
  maxGiftMinor: number;
  presetAmountsMinor: number[];
  /** The other currencies it takes, with their presets (ADR 050). */
  otherCurrencies: { currency: Currency; presetAmountsMinor: number[] }[];
  phone: string;
  /** Calendar days (YYYY-MM-DD) in the organisation's time zone. */
  startsOn: string;
  endsOn: string | null;
  isDefault: boolean;
  /** Discreet giving (ADR 051), and its card statement text (required when discreet). */
  discreet: boolean;
  statementDescriptor: string | null;
  /** The language its pages fall back to before English (ADR 049). */
  locale: Locale;
};

const MAX_PRESETS = 6;

/** "25, 50, 100" in the campaign's currency, each a gift the campaign accepts. Commas only separate. */
function parsePresets(
  text: string,
  currency: Currency,
  bounds: { min?: number; max?: number },
): { amounts: number[] } | { error: string } {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) return { error: t("admin.error.campaign.enterLeastOneSuggested") };
  if (parts.length > MAX_PRESETS) return { error: t("admin.error.campaign.tooManyPresets", { max: MAX_PRESETS }) };
  const amounts: number[] = [];
  for (const part of parts) {
    const money = parseAmount(part, currency);
    if ("error" in money) return { error: t("admin.error.campaign.presetNotAmount", { part }) };
    if (bounds.min !== undefined && money.amountMinor < bounds.min)
      return { error: t("admin.error.campaign.presetBelowMin", { part }) };
    if (bounds.max !== undefined && money.amountMinor > bounds.max)
      return { error: t("admin.error.campaign.presetAboveMax", { part }) };
    if (amounts.includes(money.amountMinor)) return { error: t("admin.error.campaign.presetTwice", { part }) };
    amounts.push(money.amountMinor);
  }
  return { amounts };
}

/** Parses and checks the form on its own; what needs the database is checked when saving. */
export function parseCampaignForm(
  formData: FormData,
):
  | { ok: true; value: CampaignInput; version: string | null; values: FormValues }
  | { ok: false; errors: FieldErrors; values: FormValues } {
  const values = formValues(formData, CAMPAIGN_FIELDS);
  const parsed = CampaignFormSchema.safeParse(values);
  const errors: FieldErrors = parsed.success ? {} : zodFieldErrors(parsed.error);
  const currency = CURRENCIES.find((c) => c === values.currency);
  const money: Partial<Record<"target" | "minGift" | "maxGift", number>> = {};
  let presets: number[] = [];
  const otherCurrencies: CampaignInput["otherCurrencies"] = [];
  if (currency) {
    for (const field of ["target", "minGift", "maxGift"] as const) {
      const result = parseAmount(values[field] ?? "", currency, { allowZero: field === "target" });
      if ("error" in result) errors[field] ??= result.error;
      else money[field] = result.amountMinor;
    }
    if (money.minGift !== undefined && money.maxGift !== undefined && money.minGift > money.maxGift)
      errors.maxGift ??= t("admin.error.campaign.largestGiftMustLeast");
    const result = parsePresets(values.presetAmounts ?? "", currency, { min: money.minGift, max: money.maxGift });
    if ("error" in result) errors.presetAmounts ??= result.error;
    else presets = result.amounts;
    // Every currency we allow has two decimals, so the same gift limits apply in each.
    for (const other of CURRENCIES) {
      const field = otherPresetsField(other);
      if (other === currency || !values[field]?.trim()) continue;
      const parsedOther = parsePresets(values[field] ?? "", other, { min: money.minGift, max: money.maxGift });
      if ("error" in parsedOther) errors[field] ??= parsedOther.error;
      else otherCurrencies.push({ currency: other, presetAmountsMinor: parsedOther.amounts });
    }
  }
  const startsOn = values.startsOn?.trim() ?? "";
  const endsOn = values.endsOn?.trim() ?? "";
  if (realDay(startsOn) && realDay(endsOn) && endsOn < startsOn)
    errors.endsOn ??= t("admin.error.campaign.campaignMustEndAfter");
  if (parsed.success && parsed.data.discreet && !parsed.data.statementDescriptor)
    errors.statementDescriptor ??= t("admin.discreet.descriptorError");
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors, values };
  const v = parsed.data;
  return {
    ok: true,
    version: values.version ?? null,
    values,
    value: {
      name: v.name,
      slug: v.slug,
      headline: v.headline,
      description: v.description,
      currency: v.currency,
      targetMinor: money.target!,
      minGiftMinor: money.minGift!,
      maxGiftMinor: money.maxGift!,
      presetAmountsMinor: presets,
      otherCurrencies,
      phone: v.phone,
      startsOn: v.startsOn,
      endsOn: v.endsOn || null,
      isDefault: v.isDefault,
      discreet: v.discreet,
      statementDescriptor: v.statementDescriptor,
      locale: v.locale,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Loading for the edit form

const campaignVersion = (c: Campaign, others: readonly OtherCurrency[]) =>
  versionOf([
    others.map((o) => [o.currency, o.presetAmountsMinor]),
    c.slug,
    c.name,
    c.headline,
    c.description,
    c.currency,
    c.targetMinor,
    c.minGiftMinor,
    c.maxGiftMinor,
    c.presetAmountsMinor,
    c.phone,
    c.isDefault,
    c.startsAt.toISOString(),
    c.endsAt?.toISOString() ?? null,
    c.discreet,
    c.statementDescriptor,
    c.locale,
  ]);

const dayIn = (date: Date, timeZone: string) => {
  const { year, month, day } = zonedParts(date, timeZone);
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
};

/** The form's values for a stored campaign, as a person would type them. */
function formValuesOf(c: Campaign, timeZone: string, others: readonly OtherCurrency[]): FormValues {
  return {
    ...Object.fromEntries(
      others.map((o) => [
        otherPresetsField(o.currency),
        o.presetAmountsMinor.map((m) => moneyInput(m, o.currency)).join(", "),
      ]),
    ),
    version: campaignVersion(c, others),
    name: c.name,
    slug: c.slug,
    headline: c.headline,
    description: c.description,
    currency: c.currency,
    target: moneyInput(c.targetMinor, c.currency),
    minGift: moneyInput(c.minGiftMinor, c.currency),
    maxGift: moneyInput(c.maxGiftMinor, c.currency),
    presetAmounts: c.presetAmountsMinor.map((m) => moneyInput(m, c.currency)).join(", "),
    phone: c.phone,
    startsOn: dayIn(c.startsAt, timeZone),
    endsOn: c.endsAt ? dayIn(c.endsAt, timeZone) : "",
    ...(c.isDefault ? { isDefault: "on" } : {}),
    ...(c.discreet ? { discreet: "on" } : {}),
    statementDescriptor: c.statementDescriptor ?? "",
    locale: c.locale,
  };
}

type OtherCurrency = { currency: Currency; presetAmountsMinor: number[] };

async function otherCurrenciesOf(db: DB, campaignId: number): Promise<OtherCurrency[]> {
  return db
    .select({ currency: campaignCurrencies.currency, presetAmountsMinor: campaignCurrencies.presetAmountsMinor })
    .from(campaignCurrencies)
    .where(eq(campaignCurrencies.campaignId, campaignId))
    .orderBy(campaignCurrencies.currency);
}

/** The currencies a campaign takes besides its own, as the form gave them: those left empty are no longer taken. */
async function saveOtherCurrencies(tx: DB, campaignId: number, input: CampaignInput) {
  await tx.delete(campaignCurrencies).where(eq(campaignCurrencies.campaignId, campaignId));
  const others = input.otherCurrencies.filter((o) => o.currency !== input.currency);
  if (others.length > 0) await tx.insert(campaignCurrencies).values(others.map((o) => ({ campaignId, ...o })));
}

/** Anything paid or started toward the campaign fixes its currency. */
async function hasGifts(db: DB, campaignId: number): Promise<boolean> {
  const result = await db.execute(sql`select (
      exists (select 1 from ${payments} where ${payments.campaignId} = ${campaignId})
      or exists (select 1 from ${checkouts} where ${checkouts.campaignId} = ${campaignId})
      or exists (select 1 from ${subscriptions} where ${subscriptions.campaignId} = ${campaignId})
      or exists (select 1 from ${pledges} where ${pledges.campaignId} = ${campaignId})
    ) as used`);
  return Boolean(rowsOf<{ used: boolean }>(result)[0]?.used);
}

export async function getCampaignForEdit(db: DB, { campaignId }: { campaignId: number }) {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) return null;
  const [settings, used, others] = await Promise.all([
    getOrganisationSettings(db),
    hasGifts(db, campaignId),
    otherCurrenciesOf(db, campaignId),
  ]);
  return {
    id: campaign.id,
    name: campaign.name,
    slug: campaign.slug,
    isDefault: campaign.isDefault,
    values: formValuesOf(campaign, settings.timeZone, others),
    currencyLocked: used,
    timeZone: settings.timeZone,
  };
}

/** A new campaign's form: the default campaign's currency and gift limits, starting today. */
export async function newCampaignValues(db: DB, now = new Date()): Promise<{ values: FormValues; timeZone: string }> {
  const settings = await getOrganisationSettings(db);
  const [current] = await db.select().from(campaigns).where(eq(campaigns.isDefault, true));
  const currency = current?.currency ?? "AUD";
  return {
    timeZone: settings.timeZone,
    values: {
      currency,
      target: "",
      minGift: moneyInput(current?.minGiftMinor ?? 200, currency),
      maxGift: moneyInput(current?.maxGiftMinor ?? 1_000_000, currency),
      presetAmounts: (current?.presetAmountsMinor ?? [2500, 5000, 10000, 25000])
        .map((m) => moneyInput(m, currency))
        .join(", "),
      phone: current?.phone ?? settings.phone,
      startsOn: dayIn(now, settings.timeZone),
      endsOn: "",
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Saving

export const campaignChangedMessage = (): string => t("admin.error.campaign.someoneElseChangedCampaign");

/**
 * The instants a form's days stand for: the start of the first day and the last second of the
 * last, in the organisation's zone. A day left as it was keeps its stored instant exactly.
 */
function instantsFor(input: CampaignInput, timeZone: string, current?: Campaign) {
  const startsAt =
    current && dayIn(current.startsAt, timeZone) === input.startsOn
      ? current.startsAt
      : startOfDayTextInZone(input.startsOn, timeZone);
  let endsAt: Date | null = null;
  if (input.endsOn) {
    endsAt =
      current?.endsAt && dayIn(current.endsAt, timeZone) === input.endsOn
        ? current.endsAt
        : new Date(startOfDayTextInZone(input.endsOn, timeZone, 1).getTime() - 1000);
  }
  return { startsAt, endsAt };
}

/**
 * Checks what needs the database (web address free; one default campaign, in the tiers'
 * currency; currency fixed once there are gifts). Runs inside the saving transaction.
 */
async function checkAgainstOthers(tx: DB, input: CampaignInput, current?: Campaign): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const [clash] = await tx
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.slug, input.slug), current ? ne(campaigns.id, current.id) : undefined));
  if (clash) errors.slug = t("admin.error.campaign.anotherCampaignAlreadyUses");
  if (current && current.currency !== input.currency && (await hasGifts(tx, current.id))) {
    errors.currency = t("admin.error.campaign.currencyHasGifts", { currency: current.currency });
  }
  if (current?.isDefault && !input.isDefault) {
    errors.isDefault = t("admin.error.campaign.thereMustAlwaysDefault");
  }
  if (input.isDefault && !errors.currency) {
    const [other] = await tx
      .select({ currency: plans.currency })
      .from(plans)
      .where(and(eq(plans.active, true), ne(plans.currency, input.currency)))
      .limit(1);
    // Supporter tiers are paid to the default campaign, in its currency.
    if (other) errors.currency = t("admin.error.campaign.defaultCurrencyTiers", { currency: other.currency });
  }
  return errors;
}

function rowValues(input: CampaignInput, instants: { startsAt: Date; endsAt: Date | null }) {
  return {
    name: input.name,
    slug: input.slug,
    headline: input.headline,
    description: input.description,
    currency: input.currency,
    targetMinor: input.targetMinor,
    minGiftMinor: input.minGiftMinor,
    maxGiftMinor: input.maxGiftMinor,
    presetAmountsMinor: input.presetAmountsMinor,
    phone: input.phone,
    startsAt: instants.startsAt,
    endsAt: instants.endsAt,
    isDefault: input.isDefault,
    discreet: input.discreet,
    statementDescriptor: input.statementDescriptor,
    locale: input.locale,
  };
}

/** Unsets the current default (if another), so the partial unique index sees one at a time. */
async function takeOverDefault(tx: DB, campaignId: number | null): Promise<number | null> {
  const [previous] = await tx
    .update(campaigns)
    .set({ isDefault: false })
    .where(and(eq(campaigns.isDefault, true), campaignId === null ? undefined : ne(campaigns.id, campaignId)))
    .returning({ id: campaigns.id });
  return previous?.id ?? null;
}

export async function createCampaign(
  db: DB,
  { staff, input }: { staff: Staff; input: CampaignInput },
): Promise<{ ok: true; campaignId: number } | EditFailure> {
  if (staff.role !== "admin") return failure("forbidden", t("admin.error.campaign.onlyAdministratorCanCreate"));
  const { timeZone } = await getOrganisationSettings(db);
  return db.transaction(async (tx) => {
    await lockEditing(tx, "campaigns");
    const errors = await checkAgainstOthers(tx, input);
    if (Object.keys(errors).length > 0) return failure("invalid", checkTheForm(), errors);
    const previousDefaultId = input.isDefault ? await takeOverDefault(tx, null) : null;
    const created = one(
      await tx
        .insert(campaigns)
        .values(rowValues(input, instantsFor(input, timeZone)))
        .returning({ id: campaigns.id }),
      "createCampaign: insert campaign",
    );
    await saveOtherCurrencies(tx, created.id, input);
    await recordAudit(tx, {
      actor: staffActor(staff),
      action: "campaign.create",
      target: { type: "campaign", id: created.id },
      details: {
        currency: input.currency,
        targetMinor: input.targetMinor,
        isDefault: input.isDefault,
        previousDefaultId,
      },
    });
    return { ok: true as const, campaignId: created.id };
  });
}

/**
 * Saves only if nobody saved since the form was loaded (`version` is the loaded values' hash);
 * making this campaign the default unsets the previous one in the same transaction.
 */
export async function updateCampaign(
  db: DB,
  {
    staff,
    campaignId,
    version,
    input,
  }: { staff: Staff; campaignId: number; version: string | null; input: CampaignInput },
): Promise<{ ok: true } | EditFailure> {
  if (staff.role !== "admin") return failure("forbidden", t("admin.error.campaign.onlyAdministratorCanEdit"));
  const { timeZone } = await getOrganisationSettings(db);
  return db.transaction(async (tx) => {
    await lockEditing(tx, "campaigns");
    const [current] = await tx.select().from(campaigns).where(eq(campaigns.id, campaignId)).for("update");
    if (!current) return failure("not_found", t("admin.error.campaign.notFound"));
    const othersBefore = await otherCurrenciesOf(tx, campaignId);
    if (version !== campaignVersion(current, othersBefore)) return failure("conflict", campaignChangedMessage());
    const errors = await checkAgainstOthers(tx, input, current);
    if (Object.keys(errors).length > 0) return failure("invalid", checkTheForm(), errors);
    const next = rowValues(input, instantsFor(input, timeZone, current));
    const othersChanged =
      JSON.stringify(othersBefore) !==
      JSON.stringify([...input.otherCurrencies].sort((a, b) => a.currency.localeCompare(b.currency)));
    const changed = [...changedFields(current, next), ...(othersChanged ? ["otherCurrencies"] : [])];
    if (changed.length === 0) return { ok: true as const };
    if (othersChanged) await saveOtherCurrencies(tx, campaignId, input);
    const previousDefaultId = input.isDefault && !current.isDefault ? await takeOverDefault(tx, campaignId) : null;
    await tx.update(campaigns).set(next).where(eq(campaigns.id, campaignId));
    await recordAudit(tx, {
      actor: staffActor(staff),
      action: "campaign.update",
      target: { type: "campaign", id: campaignId },
      details: {
        changed,
        ...(changed.includes("targetMinor")
          ? { targetMinor: { from: current.targetMinor, to: next.targetMinor } }
          : {}),
        ...(changed.includes("currency") ? { currency: { from: current.currency, to: next.currency } } : {}),
        ...(previousDefaultId !== null ? { previousDefaultId } : {}),
      },
    });
    return { ok: true as const };
  });
}
