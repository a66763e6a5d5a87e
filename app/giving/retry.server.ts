import { and, eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaignCurrencies, checkouts, payments } from "@db/schema";
import { signedCookie } from "~/auth/tokens.server";
import type { Campaign } from "~/campaigns/campaigns.server";
import { currencyExponent } from "~/money";
import type { FormValues } from "./forms.server";
import { forbidsAccountLink } from "~/supporters/discretion.server";

/**
 * A gift survives a declined or abandoned payment (ADR 040). The checkout row
 * already holds what the reader typed; "Try again" and the payment page's cancel address carry
 * its id (`?retry=<id>`), and the form is filled in from it only in the browser that started it:
 * a short-lived signed cookie names the checkout. A link passed on (or a guessed id) shows a
 * blank form, never someone else's name, email or message.
 */
const RETRY_COOKIE = "ff_gift";
const RETRY_LIFETIME_MS = 2 * 60 * 60_000;
const retryCookie = () => signedCookie(RETRY_COOKIE, { maxAgeMs: RETRY_LIFETIME_MS });

/** The Set-Cookie header that binds a new checkout to this browser. */
export async function bindCheckoutToBrowser(checkoutId: string): Promise<string> {
  return retryCookie().serialize(checkoutId);
}

/** The checkout this browser started last, if its cookie is ours and still valid. */
export async function checkoutOfThisBrowser(request: Request): Promise<string | null> {
  const value = await retryCookie().parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length <= 64 ? value : null;
}

export { retryPath } from "./retry-path";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "37.5" → "37.50": an amount as a reader would type it back into "Your amount". */
function typedAmount(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return String(amountMinor);
  const whole = Math.floor(amountMinor / 10 ** exponent);
  const fraction = amountMinor % 10 ** exponent;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(exponent, "0")}`;
}

/**
 * The donate form's values from an unpaid gift of this campaign that this browser started, or
 * null (no such checkout, not this browser's, paid, too old, or not a gift of this campaign).
 */
export async function giftToRetry(db: DB, request: Request, campaign: Campaign): Promise<FormValues | null> {
  const ref = new URL(request.url).searchParams.get("retry");
  if (!ref || !UUID.test(ref)) return null;
  if ((await checkoutOfThisBrowser(request)) !== ref) return null;
  const [checkout] = await db
    .select()
    .from(checkouts)
    .where(and(eq(checkouts.id, ref), eq(checkouts.campaignId, campaign.id)));
  if (!checkout || (checkout.kind !== "one_off" && checkout.kind !== "monthly")) return null;
  if (checkout.status === "completed" || checkout.status === "processing") return null;
  if (Date.now() - checkout.createdAt.getTime() > RETRY_LIFETIME_MS) return null;
  const [paid] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(eq(payments.checkoutId, checkout.id))
    .limit(1);
  if (paid) return null;
  const [offer] = await db
    .select({ presets: campaignCurrencies.presetAmountsMinor })
    .from(campaignCurrencies)
    .where(and(eq(campaignCurrencies.campaignId, campaign.id), eq(campaignCurrencies.currency, checkout.currency)));
  const presets = checkout.currency === campaign.currency ? campaign.presetAmountsMinor : (offer?.presets ?? []);
  const preset = presets.includes(checkout.amountMinor);
  const values: FormValues = {
    currency: checkout.currency,
    frequency: checkout.kind === "monthly" ? "monthly" : "once",
    amount: preset ? String(checkout.amountMinor) : "custom",
    name: checkout.name,
    email: checkout.email,
    message: checkout.message ?? "",
  };
  if (!preset) values.customAmount = typedAmount(checkout.amountMinor, checkout.currency);
  if (checkout.anonymous) values.anonymous = "on";
  if (checkout.showAmount) values.showAmount = "on";
  if (checkout.feeCoverMinor > 0) values.coverFees = "on";
  // A reader who asked for no email must not find the form back at "email my receipt" (ADR 051).
  if (forbidsAccountLink(checkout)) values.emailChoice = checkout.noEmail ? "none" : "noLink";
  return values;
}

/**
 * A frequency and a preset amount chosen by a link (`?frequency=monthly&amount=2500&currency=EUR`:
 * the thank-you page's "every month instead" for another browser). The amount must be one of the
 * presets of the currency the form is in (`presetAmountsMinor`; `?currency=` chose it, ADR 050).
 * Nothing personal; anything else is ignored.
 */
export function choiceFromQuery(request: Request, presetAmountsMinor: readonly number[]): FormValues | null {
  const query = new URL(request.url).searchParams;
  const frequency = query.get("frequency");
  const amount = query.get("amount");
  if (frequency !== "once" && frequency !== "monthly") return null;
  const values: FormValues = { frequency };
  if (amount && presetAmountsMinor.map(String).includes(amount)) values.amount = amount;
  return values;
}
