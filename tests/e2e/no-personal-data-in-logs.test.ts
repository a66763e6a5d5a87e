// Logs travel further than the database (log shippers, support tickets, screenshots): they must
// never carry a name, an email, an address or a phone number. The built app runs with every log
// level on while people give, sign in, change their details, download and erase their data, and
// staff take a phone pledge and search for the caller; then everything the server printed is
// searched for each of those details.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffAccount, requireChromium, startE2E, type E2E } from "../support/browser";
import { becomeSupporter, completeGift, signIn, signInStaff } from "./flows";

requireChromium();

const DONOR = { name: "Dorotea Quillfeather", email: "dorotea.quillfeather@example.net" };
const SUPPORTER = {
  email: "sigmund.larkspurrow@example.net",
  newEmail: "sigmund.new-larkspurrow@example.org",
  name: "Sigmund Larkspurrow",
  line1: "21 Wombatvale Crescent",
  city: "Thornbury-on-Quill",
};
const CALLER = { name: "Calliope Ferntree", phone: "0491 570 156", email: "calliope.ferntree@example.com" };
const STAFF = {
  email: "petra.phoneline@fund.example",
  name: "Petra Phoneline",
  role: "staff" as const,
  password: "a-long-phone-line-password",
};
const NOBODY = "nobody.unknown-vexillum@example.net";

/** Every detail a person typed in, as it might be written: as typed, lower case, digits only. */
const PERSONAL = [
  ...Object.values(DONOR),
  ...Object.values(SUPPORTER),
  CALLER.name,
  CALLER.phone,
  CALLER.phone.replace(/\D/g, ""),
  CALLER.email,
  STAFF.email,
  STAFF.name,
  NOBODY,
  // Parts that identify on their own.
  "quillfeather",
  "larkspurrow",
  "ferntree",
  "wombatvale",
];

let app: E2E;
beforeAll(async () => {
  app = await startE2E({
    env: { LOG_LEVEL: "trace" },
    prepare: (databaseEnv) => createStaffAccount(databaseEnv, STAFF),
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

describe("the server's logs", () => {
  it("never contain the names, emails, addresses or phone numbers people gave us", async () => {
    // A gift with JavaScript.
    await app.withPage({}, async (page) => {
      await completeGift(page, { amount: "$25", email: DONOR.email, name: DONOR.name });
    });

    // A supporter without JavaScript: joins, signs in, changes name, address and email, downloads
    // their data and erases themselves; then someone asks for a link for an unknown address.
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      await becomeSupporter(page, { plan: "Digital supporter", email: SUPPORTER.email });
      await signIn(page, SUPPORTER.email);
      await page.goto("/account/profile");
      await page.getByLabel("Your name", { exact: true }).fill(SUPPORTER.name);
      await page.getByLabel("Street address", { exact: true }).fill(SUPPORTER.line1);
      await page.getByLabel("Town or city", { exact: true }).fill(SUPPORTER.city);
      await page.getByLabel("Postcode", { exact: true }).fill("3071");
      await page.getByLabel("Country code", { exact: true }).fill("AU");
      await page.getByRole("button", { name: "Save details" }).click();
      await page.getByRole("status").filter({ hasText: "Your details are saved." }).waitFor();
      await page.getByLabel("New email address", { exact: true }).fill(SUPPORTER.newEmail);
      await page.getByRole("button", { name: "Send confirmation link" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: /Check your new inbox/ })
        .waitFor();

      await page.goto("/account/privacy");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download my data" }).click(),
      ]);
      expect(await readFile((await download.path())!, "utf8")).toContain(SUPPORTER.line1);
      await page.goto("/account/privacy?step=erase");
      await page.getByLabel("I understand this cannot be undone, and that I will be signed out.").check();
      await page.getByRole("button", { name: "Erase my details now" }).click();
      await page.waitForURL(/\/account\/erased$/);

      await page.goto("/account/sign-in");
      await page.getByLabel("Email", { exact: true }).fill(NOBODY);
      await page.getByRole("button", { name: "Email me a sign-in link" }).click();
      await page.getByRole("heading", { name: "Check your email" }).waitFor();
    });

    // The phone line: a new caller's cheque pledge, then a search for them by phone and by name.
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      await signInStaff(page, STAFF);
      await page.goto("/admin/pledges/new");
      await page.getByLabel("Name", { exact: true }).fill(CALLER.name);
      await page.getByLabel("Phone", { exact: true }).fill(CALLER.phone);
      await page.getByLabel("Email (optional)", { exact: true }).fill(CALLER.email);
      await page.getByRole("radio", { name: "One-off gift", exact: true }).check();
      await page.getByLabel("Amount (gifts)", { exact: true }).fill("40");
      await page.getByRole("radio", { name: "Cheque", exact: true }).check();
      await page.getByLabel("Reference (cheque number or bank reference)", { exact: true }).fill("CHQ 5521");
      await page.getByRole("button", { name: "Save pledge" }).click();
      await page.waitForURL(/\/admin\/pledges\/\d+/);
      for (const q of [CALLER.phone, CALLER.name]) {
        await page.goto(`/admin/supporters?q=${encodeURIComponent(q)}`);
        expect(await page.locator("main").innerText()).toContain(CALLER.name);
        // What the pledge form's type-ahead asks as staff type.
        expect((await page.request.get(`/admin/supporters/search?q=${encodeURIComponent(q)}`)).status()).toBe(200);
      }
    });

    // Wait for the outbox worker to send (and log) the five emails the flows queued: two receipts,
    // a welcome, a sign-in link and an email-change link (bounded, polled; not a timing assertion).
    const sentEmails = () =>
      app.server
        .output()
        .split("\n")
        .filter((line) => line.includes('"msg":"email sent"')).length;
    for (let waited = 0; sentEmails() < 5 && waited < 20_000; waited += 250)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const output = app.server.output();
    const logLines = output.split("\n").filter((line) => line.startsWith("{"));
    // The check is worth something only if the server logged while this ran: payments, emails,
    // the erasure, at the least.
    expect(logLines.length, `the server printed:\n${output.slice(0, 2000)}`).toBeGreaterThanOrEqual(10);

    const lower = output.toLowerCase();
    const found = PERSONAL.filter((detail) => lower.includes(detail.toLowerCase()));
    const where = found.map((detail) =>
      output
        .split("\n")
        .find((line) => line.toLowerCase().includes(detail.toLowerCase()))!
        .slice(0, 300),
    );
    expect(found, `personal data in the server's logs:\n${where.join("\n")}`).toEqual([]);
  }, 180_000);
});
