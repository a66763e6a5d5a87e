import { eq } from "drizzle-orm";
import { campaigns, checkouts } from "@db/schema";
import type { DB } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { getSupporterSession } from "~/auth/supporter-auth.server";
import type { PowChallenge } from "~/auth/pow.server";
import { getCampaignProgress, listActivePlans, type Campaign } from "~/campaigns/campaigns.server";
import { planInLanguage } from "~/campaigns/plan-text";
import { regionCurrency } from "~/campaigns/region-currency";
import { activeLocale } from "~/i18n/active";
import {
  chooseCurrency,
  listCampaignCurrencies,
  listPlanPrices,
  offerFor,
  planPriceIn,
} from "~/campaigns/currencies.server";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";
import { estimateCardFee } from "~/money";
import { getOrganisationSettings, giftsTaxSentence } from "~/organisation/settings.server";
import { PaymentProviderError } from "~/payments/provider.server";
import { checkoutNow } from "./checkout-clock.server";
import { passCheckoutGate } from "./checkout-gate.server";
import { formContentsHash, isCarriableActionPath, waitingGiftCookie } from "./wait-ticket.server";
import { getCheckoutStatus, startDonationCheckout, startTierCheckout } from "./checkout.server";
import { bindCheckoutToBrowser, checkoutOfThisBrowser, choiceFromQuery, giftToRetry } from "./retry.server";
import { loadWall } from "./wall.server";
import {
  checkbox,
  parseDonateForm,
  parseTierForm,
  readFormData,
  type FieldErrors,
  type FormValues,
} from "./forms.server";

/** `challenge`: past the checkout limits, a proof of work the page solves and sends back. */
export type FormActionData = { errors: FieldErrors; values: FormValues; formError?: string; challenge?: PowChallenge };

/**
 * What became of a form that starts a checkout: on to the payment page (the provider's URL, and
 * the cookie that binds the gift to this browser), to the waiting page (the gift kept in a
 * cookie), or refused, with what to show and why. The route says it in HTTP
 * (app/http/checkout-form.server.ts).
 */
export type CheckoutFormOutcome =
  | { kind: "checkout"; url: string; setCookie: string | null }
  | { kind: "wait"; setCookie: string }
  | { kind: "refused"; reason: CheckoutRefusal; data: FormActionData; retryAfterSeconds?: number };
/** `bot`: the honeypot was filled; `limited`: past the checkout limits; `unavailable`: the provider failed. */
export type CheckoutRefusal = "csrf" | "bot" | "invalid" | "limited" | "unavailable";

/**
 * Everything the campaign page shows; the same for "/" and "/c/<slug>". `csrfHeaders`: the
 * CSRF cookie, for the route to send with the page.
 */
export async function loadDonatePage(db: DB, request: Request, campaign: Campaign) {
  const [progress, plans, settings, csrf, retry, offers] = await Promise.all([
    getCampaignProgress(db, campaign),
    listActivePlans(db).then((all) => all.map((p) => planInLanguage(p, activeLocale()))),
    getOrganisationSettings(db),
    issueCsrfToken(request),
    giftToRetry(db, request, campaign),
    listCampaignCurrencies(db, campaign),
  ]);
  const [wall, planPrices] = await Promise.all([
    loadWall(db, request, { campaign, timeZone: settings.timeZone }),
    listPlanPrices(
      db,
      plans.map((p) => p.id),
    ),
  ]);
  const fee = { percentBps: settings.feePercentBps, fixedMinor: settings.feeFixedMinor };
  // The currency shown: a gift brought back keeps its own; else ?currency=, else the reader's
  // country's, else the home currency (chooseCurrency).
  const currency = chooseCurrency(offers, {
    asked: retry?.currency ?? new URL(request.url).searchParams.get("currency"),
    region: regionCurrency(request.headers.get("Accept-Language")),
  });
  const offer = offerFor(offers, currency) ?? offers[0];
  const withFees = (amounts: readonly number[]) =>
    amounts.map((amountMinor) => ({ amountMinor, feeMinor: estimateCardFee(amountMinor, fee) }));
  const page = {
    campaign: {
      slug: campaign.slug,
      name: campaign.name,
      headline: campaign.headline,
      description: campaign.description,
      /** The currency the form is in (ADR 050): the reader's choice among `currencies`. */
      currency,
      /** Every currency the campaign takes, home first: the chooser lists them. */
      currencies: offers.map((o) => o.currency),
      minGiftMinor: campaign.minGiftMinor,
      maxGiftMinor: campaign.maxGiftMinor,
      presets: withFees(offer?.presetAmountsMinor ?? campaign.presetAmountsMinor),
      phone: campaign.phone || settings.phone,
      /** The organisation's tax status for gifts, from its settings; null until staff say (ADR 040). */
      taxNote: giftsTaxSentence(settings),
      /** The fewest fields and a choice about email (ADR 051). */
      discreet: campaign.discreet,
    },
    progress,
    fee,
    // Each plan in the chosen currency when it has a price in it, else in its own (ADR 050).
    plans: plans.map((p) => {
      const inChosen = planPriceIn(p, planPrices.get(p.id) ?? [], currency);
      return {
        code: p.code,
        name: p.name,
        amountMinor: inChosen ?? p.amountMinor,
        currency: inChosen === undefined ? p.currency : currency,
        billing: p.billing,
        tier: p.tier,
      };
    }),
    csrf: csrf.token,
    /** Back from a declined or abandoned payment in this browser: the form as the reader left it. */
    retry,
    /** A frequency and amount chosen by a link, when there is no gift to bring back. */
    choice: retry ? null : choiceFromQuery(request, offer?.presetAmountsMinor ?? campaign.presetAmountsMinor),
    /** The wall of solidarity: a page of approved messages (`?before=` for older ones). */
    wall,
  };
  return { page, csrfHeaders: csrf.headers };
}

/**
 * The supporter tiers as /support offers them (ADR 050): in the currency chosen (`?currency=`, else
 * the campaign's own), only those priced in it.
 */
export async function loadSupportPlans(db: DB, request: Request, campaign: Campaign) {
  const [plans, offers] = await Promise.all([
    listActivePlans(db).then((all) => all.map((p) => planInLanguage(p, activeLocale()))),
    listCampaignCurrencies(db, campaign),
  ]);
  const prices = await listPlanPrices(
    db,
    plans.map((p) => p.id),
  );
  const currency = chooseCurrency(offers, {
    asked: new URL(request.url).searchParams.get("currency"),
    region: regionCurrency(request.headers.get("Accept-Language")),
  });
  return {
    currency,
    currencies: offers.map((o) => o.currency),
    plans: plans.flatMap((p) => {
      const amountMinor = planPriceIn(p, prices.get(p.id) ?? [], currency);
      if (amountMinor === undefined) return [];
      const { code, name, description, benefits, billing, tier } = p;
      return [{ code, name, description, benefits, amountMinor, currency, billing, tier }];
    }),
  };
}

type Guarded =
  | { ok: true; formData: FormData; values: FormValues }
  | { ok: false; outcome: Exclude<CheckoutFormOutcome, { kind: "checkout" }> };

/** CSRF, honeypot, rate limits and proof of work: the checks every checkout-starting form goes through. */
async function guardCheckoutForm(
  db: DB,
  request: Request,
  clientAddress: string,
  fields: readonly string[],
): Promise<Guarded> {
  const formData = await readFormData(request);
  const values: FormValues = {};
  for (const field of fields) {
    const v = formData.get(field);
    if (typeof v === "string") values[field] = v.slice(0, 2000);
  }
  const fail = (reason: CheckoutRefusal, formError: string): Guarded => ({
    ok: false,
    outcome: { kind: "refused", reason, data: { errors: {}, values, formError } },
  });
  if (!(await isValidCsrf(request, formData))) return fail("csrf", t("error.csrf"));
  // Bots fill every field; people never see this one.
  const honeypot = formData.get("website");
  if (typeof honeypot === "string" && honeypot !== "") {
    logger.warn({ reason: "honeypot" }, "checkout refused");
    return fail("bot", t("error.form"));
  }
  const email = formData.get("email");
  const field = (name: string) => (typeof formData.get(name) === "string" ? String(formData.get(name)) : null);
  // A form sent without JavaScript says so (the page's script disables the field): past the
  // limits it is asked to wait rather than to compute (ADR 045). Only forms whose gift can be
  // carried on from the waiting page.
  const url = new URL(request.url);
  // Remix hands the action its URL without `?index`, which the front page's form needs to come back to.
  const actionPath = url.pathname === "/" ? "/?index" : `${url.pathname}${url.search}`;
  const waiting =
    field("nojs") === "1" && isCarriableActionPath(actionPath)
      ? { contentsHash: formContentsHash(actionPath, values), ticket: field("waitTicket") }
      : null;
  const now = checkoutNow();
  const gate = await passCheckoutGate(db, {
    clientAddress,
    email: typeof email === "string" && email.includes("@") ? email.trim().slice(0, 320) : null,
    proof: { challenge: field("powChallenge"), nonce: field("powNonce") },
    waiting,
    now,
  });
  if (!gate.ok && gate.wait) {
    const { ticket, expiresAt, because } = gate.wait;
    const cookie = waitingGiftCookie({ action: actionPath, values, ticket, because }, { expiresAt, now });
    // Post, then redirect to the waiting page: it can refresh itself without sending the form again.
    if (cookie) return { ok: false, outcome: { kind: "wait", setCookie: cookie } };
    const minutes = Math.max(1, Math.ceil(gate.wait.seconds / 60));
    return fail("limited", t(`error.tooManyAttempts.${because}`, { minutes }));
  }
  if (!gate.ok) {
    const body: FormActionData = {
      errors: {},
      values,
      formError: gate.message,
      ...(gate.challenge ? { challenge: gate.challenge } : {}),
    };
    return {
      ok: false,
      outcome: { kind: "refused", reason: "limited", data: body, retryAfterSeconds: gate.retryAfterSeconds },
    };
  }
  return { ok: true, formData, values };
}

async function toCheckout(
  start: () => Promise<{ url: string; checkoutId: string }>,
  values: FormValues,
  { bindToBrowser = false } = {},
): Promise<CheckoutFormOutcome> {
  try {
    const { url, checkoutId } = await start();
    // A gift is bound to the browser that started it: only there does "Try again" fill the form in.
    return { kind: "checkout", url, setCookie: bindToBrowser ? await bindCheckoutToBrowser(checkoutId) : null };
  } catch (error) {
    if (error instanceof PaymentProviderError)
      return { kind: "refused", reason: "unavailable", data: { errors: {}, values, formError: error.message } };
    throw error;
  }
}

const DONATE_FORM_FIELDS = [
  "frequency",
  "amount",
  "customAmount",
  "name",
  "email",
  "anonymous",
  "message",
  "showAmount",
  "coverFees",
] as const;

export async function submitDonateForm(
  db: DB,
  request: Request,
  { campaign, clientAddress, returnPath }: { campaign: Campaign; clientAddress: string; returnPath: string },
): Promise<CheckoutFormOutcome> {
  const guarded = await guardCheckoutForm(db, request, clientAddress, DONATE_FORM_FIELDS);
  if (!guarded.ok) return guarded.outcome;
  // The card fee matters only to a reader who asked to cover it (unticked by default): one round trip fewer for the rest.
  const settings = checkbox.parse(guarded.values.coverFees) ? await getOrganisationSettings(db) : null;
  const parsed = parseDonateForm(
    guarded.formData,
    campaign,
    settings,
    undefined,
    await listCampaignCurrencies(db, campaign),
  );
  if (!parsed.ok)
    return {
      kind: "refused",
      reason: "invalid",
      data: { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
    };
  const supporterId = await signedInSupporterId(db, request);
  return toCheckout(
    () => startDonationCheckout(db, { campaign, donation: parsed.value, returnPath, supporterId }),
    guarded.values,
    { bindToBrowser: true },
  );
}

export async function submitTierForm(
  db: DB,
  request: Request,
  { campaign, clientAddress }: { campaign: Campaign; clientAddress: string },
): Promise<CheckoutFormOutcome> {
  const guarded = await guardCheckoutForm(db, request, clientAddress, ["plan", "name", "email", "currency"]);
  if (!guarded.ok) return guarded.outcome;
  const [plans, offers] = await Promise.all([listActivePlans(db), listCampaignCurrencies(db, campaign)]);
  const prices = await listPlanPrices(
    db,
    plans.map((p) => p.id),
  );
  const parsed = parseTierForm(guarded.formData, plans, { currencies: offers.map((o) => o.currency), prices });
  if (!parsed.ok)
    return {
      kind: "refused",
      reason: "invalid",
      data: { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
    };
  const supporterId = await signedInSupporterId(db, request);
  return toCheckout(() => startTierCheckout(db, { campaign, choice: parsed.value, supporterId }), guarded.values);
}

/**
 * "Make it monthly" on the thank-you page after a one-off gift (ADR 040): one
 * press starts a monthly checkout for the same amount, with the same details and the same choice
 * about card fees. Only the browser that gave (the ff_gift cookie) may: anyone else with the link
 * gets the campaign's form with the amount and frequency chosen, never the giver's details.
 */
export async function submitMakeMonthly(
  db: DB,
  request: Request,
  { clientAddress }: { clientAddress: string },
): Promise<CheckoutFormOutcome> {
  const guarded = await guardCheckoutForm(db, request, clientAddress, ["ref"]);
  if (!guarded.ok) return guarded.outcome;
  const gift = await oneOffGiftOfThisBrowser(db, request, guarded.values.ref);
  if (!gift)
    return {
      kind: "refused",
      reason: "invalid",
      data: { errors: {}, values: guarded.values, formError: t("thanks.monthlyUnavailable") },
    };
  const settings = await getOrganisationSettings(db);
  const donation = {
    kind: "monthly" as const,
    currency: gift.checkout.currency,
    amountMinor: gift.checkout.amountMinor,
    feeCoverMinor:
      gift.checkout.feeCoverMinor > 0
        ? estimateCardFee(gift.checkout.amountMinor, {
            percentBps: settings.feePercentBps,
            fixedMinor: settings.feeFixedMinor,
          })
        : 0,
    name: gift.checkout.name || null,
    email: gift.checkout.email,
    anonymous: gift.checkout.anonymous,
    message: null,
    // The reader's choice about email carries over to the monthly gift (ADR 051).
    noEmail: gift.checkout.noEmail,
    noAccountLink: gift.checkout.noAccountLink,
  };
  const supporterId = await signedInSupporterId(db, request);
  return toCheckout(
    () =>
      startDonationCheckout(db, {
        campaign: gift.campaign,
        donation,
        returnPath: `/c/${gift.campaign.slug}`,
        supporterId,
      }),
    guarded.values,
    { bindToBrowser: true },
  );
}

/** A paid one-off gift this browser gave (its ff_gift cookie names it), with its campaign. */
export async function oneOffGiftOfThisBrowser(db: DB, request: Request, ref: string | undefined) {
  if (!ref || (await checkoutOfThisBrowser(request)) !== ref) return null;
  const status = await getCheckoutStatus(db, { checkoutId: ref });
  if (!status || status.status !== "completed" || status.kind !== "one_off") return null;
  const [row] = await db
    .select({ checkout: checkouts, campaign: campaigns })
    .from(checkouts)
    .innerJoin(campaigns, eq(campaigns.id, checkouts.campaignId))
    .where(eq(checkouts.id, ref));
  return row ?? null;
}

/**
 * A checkout started while signed in is the supporter's own: its details may update their
 * profile (ADR 027). Anyone else's checkout never changes a stored record.
 */
async function signedInSupporterId(db: DB, request: Request): Promise<number | null> {
  return (await getSupporterSession(db, request))?.supporterId ?? null;
}
