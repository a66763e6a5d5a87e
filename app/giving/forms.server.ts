import { z } from "zod";
import { CURRENCIES, type Currency } from "@db/schema";
import type { Campaign, Plan } from "~/campaigns/campaigns.server";
import { activeIntlLocale } from "~/i18n/active";
import { offerFor, planPriceIn, type CurrencyOffer, type PlanPrice } from "~/campaigns/currencies.server";
import { t } from "~/i18n/t";
import { estimateCardFee } from "~/money";
import type { OrganisationSettings } from "~/organisation/settings.server";
import { email, LIMITS, optionalText, parseAmount } from "~/validation/fields";

export type FieldErrors = Partial<Record<string, string>>;
export type FormValues = Record<string, string>;
export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; values: FormValues };

// Reading a request's body is the HTTP layer's (app/http); re-exported for the routes that import it from here.
export { readFormData } from "~/http/form-data.server";

/** The fields a person typed, echoed back on error so nothing they wrote is lost. */
export function formValues(formData: FormData, fields: readonly string[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const value = formData.get(field);
    if (typeof value === "string") values[field] = value.slice(0, 2000);
  }
  return values;
}

// The shared field rules (ADR 047), re-exported for the modules that import them from here.
export { hasNoControlCharacters, noControl, optionalEmail } from "~/validation/fields";

/** A ticked checkbox posts "on"; an unticked one posts nothing. */
export const checkbox = z
  .string()
  .optional()
  .transform((v) => v === "on" || v === "true" || v === "1");

const DONATE_FIELDS = [
  "frequency",
  "amount",
  "customAmount",
  "name",
  "email",
  "anonymous",
  "message",
  "showAmount",
  "coverFees",
  "currency",
  "emailChoice",
] as const;

export const DonateFormSchema = z.object({
  frequency: z.enum(["once", "monthly"], { message: t("error.frequency") }),
  amount: z.string({ message: t("error.amount.choose") }).min(1, t("error.amount.choose")),
  customAmount: z.string().optional(),
  name: optionalText(LIMITS.name, { tooLong: t("error.name") }),
  email,
  anonymous: checkbox,
  message: optionalText(500, { tooLong: t("error.message"), multiline: true }),
  showAmount: checkbox,
  coverFees: checkbox,
  currency: z.string().optional(),
  /** Discreet campaigns (ADR 051): every email, none with a sign-in link, or none at all. */
  emailChoice: z.enum(["all", "noLink", "none"], { message: t("error.emailChoice") }).optional(),
});

export type Donation = {
  kind: "one_off" | "monthly";
  /** One of the campaign's currencies (ADR 050); the amounts are in it. Absent: the home currency. */
  currency?: Currency;
  amountMinor: number;
  feeCoverMinor: number;
  name: string | null;
  email: string;
  anonymous: boolean;
  message: string | null;
  /** The wall may show the amount beside the message (off unless ticked). */
  showAmount?: boolean;
  /** Discreet campaigns only (ADR 051): no email at all about this gift, or none with a sign-in link. */
  noEmail?: boolean;
  noAccountLink?: boolean;
};

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
  }
  return errors;
}

/** Checks a typed amount against the campaign's bounds; returns minor units or a message. */
export function checkAmount(
  text: string,
  campaign: Campaign,
  locale: string,
  currency: string = campaign.currency,
): { amountMinor: number } | { error: string } {
  // The same limits in every currency the campaign takes: all have two decimals (ADR 050).
  return parseAmount(text, currency, { min: campaign.minGiftMinor, max: campaign.maxGiftMinor, locale });
}

/** `settings`: the card fee, needed only by a form that asks to cover it (null otherwise). */
export function parseDonateForm(
  formData: FormData,
  campaign: Campaign,
  settings: Pick<OrganisationSettings, "feePercentBps" | "feeFixedMinor"> | null,
  locale = activeIntlLocale(),
  offers: readonly CurrencyOffer[] = [{ currency: campaign.currency, presetAmountsMinor: campaign.presetAmountsMinor }],
): FormResult<Donation> {
  const values = formValues(formData, DONATE_FIELDS);
  const parsed = DonateFormSchema.safeParse(values);
  const errors: FieldErrors = parsed.success ? {} : zodFieldErrors(parsed.error);
  // A form without the field is in the home currency (links and forms made before ADR 050).
  const offer = offerFor(offers, values.currency ?? campaign.currency);
  if (!offer) {
    errors.currency = t("error.currency.notAccepted", {
      currency: (values.currency ?? "").slice(0, 10),
      accepted: offers.map((o) => o.currency).join(", "),
    });
    return { ok: false, errors, values };
  }
  let amountMinor: number | undefined;
  if (values.amount === "custom") {
    const checked = checkAmount(values.customAmount ?? "", campaign, locale, offer.currency);
    if ("error" in checked) errors.customAmount = checked.error;
    else amountMinor = checked.amountMinor;
  } else if (values.amount) {
    const preset = Number(values.amount);
    if (Number.isInteger(preset) && offer.presetAmountsMinor.includes(preset)) amountMinor = preset;
    else errors.amount = t("error.amount.choose");
    // Without JavaScript, typing an amount does not select "Other": never take the preset silently.
    if (values.customAmount?.trim()) errors.customAmount = t("error.amount.presetAndCustom");
  }
  if (!parsed.success || amountMinor === undefined || Object.keys(errors).length > 0) {
    return { ok: false, errors, values };
  }
  const form = parsed.data;
  if (form.coverFees && !settings) throw new Error("parseDonateForm: covering the card fee needs the fee settings");
  return {
    ok: true,
    value: {
      kind: form.frequency === "monthly" ? "monthly" : "one_off",
      currency: offer.currency,
      amountMinor,
      feeCoverMinor:
        form.coverFees && settings
          ? estimateCardFee(amountMinor, { percentBps: settings.feePercentBps, fixedMinor: settings.feeFixedMinor })
          : 0,
      // A discreet campaign's form asks for the fewest details: no name, no message for the wall (ADR 051).
      ...(campaign.discreet
        ? {
            name: null,
            email: form.email,
            anonymous: true,
            message: null,
            showAmount: false,
            noEmail: form.emailChoice === "none",
            noAccountLink: form.emailChoice === "none" || form.emailChoice === "noLink",
          }
        : {
            name: form.name,
            email: form.email,
            anonymous: form.anonymous,
            message: form.message,
            showAmount: form.showAmount,
          }),
    },
  };
}

const TIER_FIELDS = ["plan", "name", "email", "currency"] as const;

export const TierFormSchema = z.object({
  plan: z
    .string({ message: t("error.plan") })
    .min(1, t("error.plan"))
    .max(100, t("error.plan")),
  name: optionalText(LIMITS.name, { tooLong: t("error.name") }),
  email,
});

/** `currency`, `amountMinor`: the plan's price chosen (ADR 050); absent, the plan's own. */
export type TierChoice = { plan: Plan; currency?: Currency; amountMinor?: number; name: string | null; email: string };

/**
 * `pricing`: the campaign's currencies and the plans' prices in other currencies (ADR 050); a
 * form without a currency pays the plan in its own currency.
 */
export function parseTierForm(
  formData: FormData,
  activePlans: Plan[],
  pricing: { currencies: readonly Currency[]; prices: ReadonlyMap<number, readonly PlanPrice[]> } | null = null,
): FormResult<TierChoice> {
  const values = formValues(formData, TIER_FIELDS);
  const parsed = TierFormSchema.safeParse(values);
  const errors: FieldErrors = parsed.success ? {} : zodFieldErrors(parsed.error);
  const plan = activePlans.find((p) => p.code === values.plan);
  if (!plan) errors.plan = t("error.plan");
  const currency = (pricing?.currencies ?? CURRENCIES).find((c) => c === (values.currency ?? plan?.currency));
  const amountMinor = plan && currency ? planPriceIn(plan, pricing?.prices.get(plan.id) ?? [], currency) : undefined;
  if (!currency)
    errors.currency = t("error.currency.notAccepted", {
      currency: (values.currency ?? "").slice(0, 10),
      accepted: (pricing?.currencies ?? []).join(", "),
    });
  else if (plan && amountMinor === undefined) errors.plan = t("error.plan.currency", { currency });
  if (!parsed.success || !plan || !currency || amountMinor === undefined || Object.keys(errors).length > 0)
    return { ok: false, errors, values };
  return { ok: true, value: { plan, currency, amountMinor, name: parsed.data.name, email: parsed.data.email } };
}
