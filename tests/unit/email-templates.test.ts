import { describe, expect, it } from "vitest";
import { PreviewProps as donationReceipt } from "@emails/donation-receipt";
import { PreviewProps as paymentFailed } from "@emails/payment-failed";
import { PreviewProps as recurringReceipt } from "@emails/recurring-receipt";
import { PreviewProps as staffInvite } from "@emails/staff-invite";
import { PreviewProps as supporterWelcome } from "@emails/supporter-welcome";
import { isTemplateName, renderEmail } from "~/email/render.server";
import type { ReceiptSnapshot } from "~/email/templates";

/** React 18 separates adjacent text nodes with comments; readers never see them. */
const visible = (html: string) => html.replace(/<!--.*?-->/g, "");

function withReceipt(receipt: ReceiptSnapshot, overrides: Partial<ReceiptSnapshot>): ReceiptSnapshot {
  return { ...receipt, ...overrides };
}

function expectOrganisationDetails(text: string) {
  const org = donationReceipt.receipt.organisation;
  for (const fact of [org.name, org.contactAddress, org.contactEmail, org.phone, org.receiptFooter])
    expect(text).toContain(fact);
}

describe("email templates", () => {
  it("a donation receipt states the receipt number, date, amount with currency, fee cover, purpose and who issued it", async () => {
    const email = await renderEmail("donation-receipt", donationReceipt);
    expect(email.subject).toBe("Your receipt 1042 from Fighting Fund Demo Press");
    expect(email.text).toMatch(/Receipt number\s+1042/);
    expect(email.text).toMatch(/Date paid\s+23 November 2026/);
    expect(email.text).toMatch(/Amount\s+\$25\.74 AUD/);
    // The gift and the card fees covered on separate lines, before the amount paid (ADR 040).
    expect(email.text).toMatch(/Gift\s+\$25 AUD\s+Card fees covered\s+\$0\.74 AUD\s+Amount\s+\$25\.74 AUD/);
    expect(email.text).toMatch(/For\s+One-off gift to Fighting Fund 2026/);
    expect(email.text).toMatch(/Received from\s+Rosa Reader/);
    expectOrganisationDetails(email.text);
    expect(visible(email.html)).toContain("$25.74 AUD");
    expect(email.html).toContain('<html dir="ltr" lang="en"');
  });

  it("dates a receipt in the organisation's time zone, not the server's", async () => {
    // 1 pm UTC on 1 March is already 2 March in Melbourne (UTC+11 in summer).
    const receipt = withReceipt(donationReceipt.receipt, { paidAt: "2026-03-01T13:30:00.000Z" });
    expect((await renderEmail("donation-receipt", { receipt })).text).toMatch(/Date paid\s+2 March 2026/);
    const utc = withReceipt(receipt, { organisation: { ...receipt.organisation, timeZone: "UTC" } });
    expect((await renderEmail("donation-receipt", { receipt: utc })).text).toMatch(/Date paid\s+1 March 2026/);
  });

  it("a receipt for a reader who gave no name has no name line, and no fee line when no fee was covered", async () => {
    const receipt = withReceipt(donationReceipt.receipt, {
      donor: { name: null, email: "anon@example.net" },
      feeCoverMinor: 0,
      amountMinor: 2500,
    });
    const email = await renderEmail("donation-receipt", { receipt });
    expect(email.text).not.toContain("Received from");
    expect(email.text).not.toContain("Rosa");
    expect(email.text).not.toContain("card fees");
    expect(email.text).not.toContain("anon@example.net");
    expect(email.text).toMatch(/Amount\s+\$25 AUD/);
    expect(email.text).toContain("Thank you.");
  });

  it("a recurring receipt carries the same receipt details", async () => {
    const email = await renderEmail("recurring-receipt", recurringReceipt);
    expect(email.subject).toContain("Receipt 1043");
    expect(email.text).toMatch(/Receipt number\s+1043/);
    expect(email.text).toMatch(/Amount\s+\$10 AUD/);
    expect(email.text).toMatch(/For\s+Print supporter — monthly/);
    expectOrganisationDetails(email.text);
  });

  it("a print supporter's welcome lists what the tier includes, the postal address and how long a one-time payment lasts", async () => {
    const email = await renderEmail("supporter-welcome", supporterWelcome);
    expect(email.subject).toBe("Welcome to Fighting Fund Demo Press: Print supporter — 12 months");
    for (const benefit of supporterWelcome.benefits) expect(email.text).toContain(benefit);
    expect(email.text).toContain("Rosa Reader\n1 Printers Lane\nFitzroy VIC 3065\nAU");
    expect(email.text).toContain("until 23 November 2027");
    expect(email.text).toMatch(/Receipt number\s+1044/);
    expectOrganisationDetails(email.text);
  });

  it("a monthly digital supporter's welcome shows no postal address and no end date", async () => {
    const email = await renderEmail("supporter-welcome", {
      ...supporterWelcome,
      tierName: "Digital supporter",
      benefits: ["The weekly digital edition"],
      billing: "monthly",
      postalAddress: null,
      coversUntil: null,
      receipt: withReceipt(supporterWelcome.receipt, {
        amountMinor: 500,
        frequency: "monthly",
        description: "Digital supporter — monthly",
      }),
    });
    expect(email.text).toContain("The weekly digital edition");
    expect(email.text).toContain("$5 AUD every month");
    expect(email.text).not.toMatch(/post your print edition/i);
    expect(email.text).not.toContain("runs until");
  });

  it("a failed payment email links to the fix page and gives the reason and the next attempt", async () => {
    const email = await renderEmail("payment-failed", paymentFailed);
    expect(email.subject).toBe("Your payment to Fighting Fund Demo Press didn't go through");
    expect(email.html).toContain(`href="${paymentFailed.fixUrl}"`);
    expect(email.text).toContain(paymentFailed.fixUrl);
    expect(email.text).toContain("Your card has expired.");
    expect(email.text).toContain("try again on 26 November 2026");
    expect(email.text).toContain("$10 AUD");
    expectOrganisationDetails(email.text);

    const bare = await renderEmail("payment-failed", {
      ...paymentFailed,
      reason: null,
      nextAttemptAt: null,
      donorName: null,
    });
    expect(bare.text).not.toContain("reason");
    expect(bare.text).not.toContain("try again on");
    expect(bare.text).not.toContain("Rosa");
  });

  it("no email loads anything from another host: the only addresses are the links the props give", async () => {
    const rendered = await Promise.all([
      renderEmail("donation-receipt", donationReceipt),
      renderEmail("recurring-receipt", recurringReceipt),
      renderEmail("supporter-welcome", supporterWelcome),
      renderEmail("payment-failed", paymentFailed),
    ]);
    for (const { html } of rendered) {
      // The XHTML doctype names its DTD by URL; it is an identifier, never fetched.
      const body = html.replace(/^<!DOCTYPE[^>]*>/, "");
      const urls = body.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
      expect(urls.every((url) => url === paymentFailed.fixUrl)).toBe(true);
      expect(body).not.toMatch(/<img|<link|<script|@import|url\(/i);
    }
  });

  it("a staff invitation greets the person, links to the set-password page and says how long the link works; a reset says the old password still works", async () => {
    const invite = await renderEmail("staff-invite", staffInvite);
    expect(invite.subject).toBe("You're invited to the Fighting Fund Demo Press staff area");
    expect(invite.text).toContain("Welcome, Sam Staff");
    expect(invite.html).toContain(`href="${staffInvite.url}"`);
    expect(invite.text).toContain(staffInvite.url);
    expect(invite.text).toContain("works once, for 72 hours");
    expectOrganisationDetails(invite.text);

    const reset = await renderEmail("staff-invite", { ...staffInvite, purpose: "reset" });
    expect(reset.subject).toBe("Set a new password for the Fighting Fund Demo Press staff area");
    expect(reset.text).toContain("your current password keeps working");
    expect(reset.text).not.toContain("Welcome");
  });

  it("knows its template names", () => {
    expect(isTemplateName("donation-receipt")).toBe(true);
    expect(isTemplateName("toString")).toBe(false);
  });
});
