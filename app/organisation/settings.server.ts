import type { DB } from "@db/client.server";
import { settings } from "@db/schema";
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
