import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { GIFTS_TAX_DEDUCTIBLE, settings } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { formValues, zodFieldErrors, type FormResult } from "~/giving/forms.server";
import type { OrganisationDetails } from "~/email/templates";
import { lazyMessage, t } from "~/i18n/t";

export type OrganisationSettings = typeof settings.$inferSelect;

export async function getOrganisationSettings(db: DB): Promise<OrganisationSettings> {
  const [row] = await db.select().from(settings).limit(1);
  if (!row) throw new Error("Organisation settings are missing: the database has not been seeded");
  return row;
}

export function organisationDetails(s: OrganisationSettings): OrganisationDetails {
  return {
    name: s.orgName,
    contactEmail: s.contactEmail,
    contactAddress: s.contactAddress,
    phone: s.phone,
    receiptFooter: s.receiptFooter,
    timeZone: s.timeZone,
  };
}

/** What the annual statement says about gifts and tax: nothing at all until staff choose. */
export function giftsTaxSentence(s: Pick<OrganisationSettings, "orgName" | "giftsTaxDeductible">): string | null {
  switch (s.giftsTaxDeductible) {
    case "not_stated":
      return null;
    case "deductible":
      return `Gifts (donations) to ${s.orgName} are tax-deductible. Supporter subscriptions buy an edition and are not gifts.`;
    case "not_deductible":
      return `Gifts (donations) to ${s.orgName} are not tax-deductible.`;
  }
}

const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

/** At most this many sites may frame the appeal block (each one is in every embed's CSP header). */
export const EMBED_ORIGINS_MAX = 20;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * One origin a site frames the appeal block from (ADR 044): `https://` and a host, an optional port,
 * nothing after it (a path would make no difference to a browser, so it is refused rather than
 * silently dropped). Plain `http://` only on this computer (localhost), for trying it out.
 * Returns the origin as browsers write it (lower case, IDN in punycode), or a message.
 */
export function parseEmbedOrigin(text: string): { origin: string } | { error: string } {
  const refused = (why: string) => ({ error: `“${text}” ${why}` });
  if (!URL.canParse(text)) return refused(t("admin.error.settings.notWebAddressWrite"));
  const url = new URL(text);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    return refused(t("admin.error.settings.mustStartWithHttps"));
  if (url.username || url.password) return refused(t("admin.error.settings.mustNotContainUser"));
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || /[?#]$/.test(text))
    return refused(t("admin.error.settings.mustBeJustTheSite"));
  if (url.hostname.includes("*")) return refused(t("admin.error.settings.mustNameOneSite"));
  return { origin: url.origin };
}

/** The textarea's lines (or commas, or spaces) as origins, in order, without repeats. */
const EmbedOriginsSchema = z.preprocess(
  (value) => (typeof value === "string" ? value.split(/[\s,]+/).filter((part) => part !== "") : []),
  z
    .array(z.string())
    .max(EMBED_ORIGINS_MAX, lazyMessage("admin.error.settings.tooManyOrigins", { max: EMBED_ORIGINS_MAX }))
    .transform((texts, ctx) => {
      const origins: string[] = [];
      for (const text of texts) {
        const parsed = parseEmbedOrigin(text);
        if ("error" in parsed) {
          ctx.addIssue({ code: "custom", message: parsed.error });
          return z.NEVER;
        }
        if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
      }
      return origins;
    }),
);

export const SupporterPageSettingsSchema = z.object({
  firstPrintEditionDays: z.preprocess(
    blankToNull,
    z.coerce
      .number(lazyMessage("admin.error.settings.enterWholeNumberDays"))
      .int(lazyMessage("admin.error.settings.enterWholeNumberDays"))
      .min(0, lazyMessage("admin.error.settings.enterWholeNumberDays"))
      .max(90, lazyMessage("admin.error.settings.enterWholeNumberDays"))
      .nullable(),
  ),
  giftsTaxDeductible: z.enum(GIFTS_TAX_DEDUCTIBLE, lazyMessage("admin.error.settings.chooseWhatStatementsSay")),
  embedOrigins: EmbedOriginsSchema,
});
export type SupporterPageSettings = z.infer<typeof SupporterPageSettingsSchema>;

export function parseSupporterPageSettings(formData: FormData): FormResult<SupporterPageSettings> {
  const values = formValues(formData, ["firstPrintEditionDays", "giftsTaxDeductible", "embedOrigins"]);
  const parsed = SupporterPageSettingsSchema.safeParse(values);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, errors: zodFieldErrors(parsed.error), values };
}

/**
 * Staff (admins) set what the thank-you page and statements promise, and which sites may frame the
 * appeal block; recorded in the audit log.
 */
export async function updateSupporterPageSettings(
  db: DB,
  { staffUserId, input }: { staffUserId: number; input: SupporterPageSettings },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(settings).set(input).where(eq(settings.id, 1));
    await recordAudit(tx, {
      actor: { type: "staff", id: staffUserId },
      action: "settings.update",
      target: { type: "settings", id: 1 },
      details: { ...input },
    });
  });
}
