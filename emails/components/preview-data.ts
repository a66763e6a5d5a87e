import type { OrganisationDetails, ReceiptSnapshot } from "~/email/templates";

/** Sample data for the React Email preview and for tests: made up, never a real person. */
export const previewOrganisation: OrganisationDetails = {
  name: "Fighting Fund Demo Press",
  contactEmail: "hello@example.org",
  contactAddress: "PO Box 1234, Melbourne VIC 3000, Australia",
  phone: "03 9000 0000",
  receiptFooter: "Thank you for keeping independent journalism alive. ABN 00 000 000 000.",
  timeZone: "Australia/Melbourne",
};

export function previewReceipt(overrides: Partial<ReceiptSnapshot> = {}): ReceiptSnapshot {
  return {
    receiptNumber: 1042,
    issuedAt: "2026-11-23T09:30:00.000Z",
    paidAt: "2026-11-23T09:29:41.000Z",
    amountMinor: 2574,
    feeCoverMinor: 74,
    currency: "AUD",
    description: "One-off gift to Fighting Fund 2026",
    frequency: "once",
    campaignName: "Fighting Fund 2026",
    donor: { name: "Rosa Reader", email: "rosa@example.net" },
    organisation: previewOrganisation,
    ...overrides,
  };
}
