import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { GIFTS_TAX_DEDUCTIBLE, settings } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { formValues, zodFieldErrors, type FormResult } from "~/giving/forms.server";
import type { OrganisationDetails } from "~/email/templates";

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

export const SupporterPageSettingsSchema = z.object({
  firstPrintEditionDays: z.preprocess(
    blankToNull,
    z.coerce
      .number({ message: "Enter a whole number of days from 0 to 90, or leave it blank." })
      .int("Enter a whole number of days from 0 to 90, or leave it blank.")
      .min(0, "Enter a whole number of days from 0 to 90, or leave it blank.")
      .max(90, "Enter a whole number of days from 0 to 90, or leave it blank.")
      .nullable(),
  ),
  giftsTaxDeductible: z.enum(GIFTS_TAX_DEDUCTIBLE, { message: "Choose what statements say about tax." }),
});
export type SupporterPageSettings = z.infer<typeof SupporterPageSettingsSchema>;

export function parseSupporterPageSettings(formData: FormData): FormResult<SupporterPageSettings> {
  const values = formValues(formData, ["firstPrintEditionDays", "giftsTaxDeductible"]);
  const parsed = SupporterPageSettingsSchema.safeParse(values);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, errors: zodFieldErrors(parsed.error), values };
}

/** Staff (admins) set what the thank-you page and statements promise; recorded in the audit log. */
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
