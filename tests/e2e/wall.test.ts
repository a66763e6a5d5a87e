// The wall of solidarity in a real browser (ADR 043): a reader's message, once
// staff approve it, is on the campaign page signed as they chose ("Nadia", with the amount they
// allowed); a gift staff take on the phone for a caller who does not want to be named reads
// "Anonymous"; older messages are a plain link away without JavaScript; the printable bundle is
// one message a block. Axe and sideways scroll at 360 and 1280 px (auditBothWidths).
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffAccount, noJsBrowser, requireChromium, startE2E, type E2E } from "../support/browser";
import { auditBothWidths, finishCheckout, FLOW_VIEWS, signInStaff, submitGift } from "./flows";

requireChromium();

const STAFF = {
  email: "wall.staff@fund.example",
  name: "Wanda Wall",
  role: "staff" as const,
  password: "a-long-e2e-staff-password",
};
const READER_MESSAGE = "Solidarity from Nadia and the whole night shift.";
const PHONE_MESSAGE = "Phoned in: stay strong, we are reading every word.";
const OLDER = 13;

let app: E2E;
let staffState: Awaited<ReturnType<BrowserContext["storageState"]>>;

const csrfOf = (html: string) => /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? "";

/** Gifts with messages for another campaign, given and approved over HTTP (fast), to page through. */
async function olderMessagesOnDefenceFund() {
  for (let i = 0; i < OLDER; i++) {
    const reader = noJsBrowser(() => app.server.origin);
    // Each from its own address (the server trusts the loopback proxy here): the checkout limits stay out of it.
    const headers = { "X-Forwarded-For": `198.51.100.${10 + i}` };
    const page = await reader.request("/c/defence-fund", { headers });
    const started = await reader.request("/c/defence-fund", {
      headers,
      form: {
        csrf: csrfOf(await page.text()),
        currency: "AUD",
        frequency: "once",
        amount: "2500",
        name: `Paged${i} Reader`,
        email: `paged-${i}@example.net`,
        message: `Paged message number ${i}`,
      },
    });
    const checkoutPath = started.headers.get("Location");
    expect(checkoutPath, `gift ${i}`).toMatch(/^\/simulated-checkout\//);
    const checkout = await reader.request(checkoutPath!, { headers });
    const paid = await reader.request(checkoutPath!, {
      headers,
      form: { csrf: csrfOf(await checkout.text()), outcome: "pay" },
    });
    expect(paid.status).toBe(303);
  }
  const staff = noJsBrowser(() => app.server.origin);
  const signIn = await staff.request("/admin/sign-in");
  const signedIn = await staff.request("/admin/sign-in", {
    form: { csrf: csrfOf(await signIn.text()), email: STAFF.email, password: STAFF.password, next: "/admin" },
  });
  expect(signedIn.status).toBe(303);
  const list = await (await staff.request("/admin/messages")).text();
  const cards = [...list.matchAll(/Paged message number \d+[\s\S]*?name="paymentId" value="(\d+)"/g)];
  expect(cards).toHaveLength(OLDER);
  for (const [, paymentId] of cards) {
    const approved = await staff.request("/admin/messages", {
      form: { csrf: csrfOf(list), intent: "approve", paymentId: paymentId!, show: "review" },
    });
    expect(approved.status).toBe(303);
  }
}

beforeAll(async () => {
  app = await startE2E({
    prepare: (databaseEnv) => createStaffAccount(databaseEnv, STAFF),
    env: { TRUST_PROXY: "loopback" },
  });
  // A reader writes a message, keeps "first name and town", and lets the amount be shown.
  await app.withPage({ viewport: { width: 1280, height: 900 } }, async (page) => {
    await page.goto("/");
    await page.getByLabel("Message of support (optional)").fill(READER_MESSAGE);
    expect(await page.getByRole("radio", { name: "My first name and town" }).isChecked()).toBe(true);
    await page.getByLabel("Also show the amount I give").check();
    await submitGift(page, { amount: "$25", email: "nadia.reader@example.net", name: "Nadia Petrova" });
    await finishCheckout(page, "Pay");
  });
  // Staff take a cash gift on the phone from a caller who does not want to be named.
  await app.withPage({ viewport: { width: 1280, height: 900 } }, async (page, context) => {
    await signInStaff(page, STAFF);
    staffState = await context.storageState();
    await page.goto("/admin/pledges/new");
    await page.getByLabel("Name", { exact: true }).fill("Quentin Quietly");
    await page.getByLabel("Phone", { exact: true }).fill("03 9555 0199");
    await page.getByLabel("Street address (needed for print)").fill("4 Letterbox Lane");
    await page.getByLabel("Suburb or town", { exact: true }).fill("Castlemaine");
    await page.getByLabel("State", { exact: true }).fill("VIC");
    await page.getByLabel("Postcode", { exact: true }).fill("3450");
    await page.getByRole("radio", { name: "One-off gift" }).check();
    await page.getByLabel("Amount (gifts)").fill("30");
    await page.getByRole("radio", { name: "Cash" }).check();
    expect(await page.getByRole("radio", { name: "No: “Anonymous”" }).isChecked()).toBe(true);
    await page.getByLabel("Message for the wall (optional)").fill(PHONE_MESSAGE);
    await page.getByRole("button", { name: "Save pledge" }).click();
    await page.waitForURL(/\/admin\/pledges\/\d+\?created=1$/);
  });
  await olderMessagesOnDefenceFund();
}, 180_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const shot = async (page: Page, name: string) => {
  if (process.env.FF_SHOTS) await page.screenshot({ path: `${process.env.FF_SHOTS}/${name}.png`, fullPage: true });
};

describe("the wall of solidarity", () => {
  for (const view of FLOW_VIEWS) {
    const label = `${view.width} px${view.javaScriptEnabled ? "" : " without JavaScript"}`;
    const viewport = { width: view.width, height: 900 };
    const [message, signature] =
      view.width === 360 ? [READER_MESSAGE, "Nadia"] : ([PHONE_MESSAGE, "Anonymous"] as const);

    it(`a message staff approve is on the wall, signed as its writer chose (${label})`, async () => {
      await app.withPage(
        { storageState: staffState, viewport, javaScriptEnabled: view.javaScriptEnabled },
        async (page) => {
          await page.goto("/admin/messages");
          const card = page.locator(".message-card", { hasText: message });
          expect(await card.innerText()).toContain(`on the wall as “${signature}”`);
          await card.getByRole("button", { name: /^Approve/ }).click();
          await page.getByRole("status").filter({ hasText: "Approved" }).waitFor();
          // The printable bundle: one block a message, signed as on the wall.
          await page.goto("/admin/messages");
          await page.getByRole("link", { name: "Print approved messages" }).click();
          await page.getByRole("heading", { level: 1, name: "Messages of support to print" }).waitFor();
          const block = page.locator("figure.bundle-message", { hasText: message });
          expect(await block.locator("figcaption").innerText()).toContain(signature);
          await auditBothWidths(page, { axe: view.javaScriptEnabled });
          await shot(page, `wall-print-${view.width}`);
        },
      );
      // A reader, signed out, sees the cached public page.
      await app.withPage({ viewport, javaScriptEnabled: view.javaScriptEnabled }, async (page) => {
        await page.goto("/");
        const wall = page.getByRole("region", { name: "Wall of solidarity" });
        const figure = wall.locator("figure", { hasText: message });
        await figure.waitFor();
        const caption = (await figure.locator("figcaption").innerText()).trim();
        expect(caption.startsWith(signature)).toBe(true);
        if (signature === "Nadia") expect(caption).toContain("gave $25");
        else expect(caption).not.toMatch(/gave/);
        const text = await wall.innerText();
        for (const secret of ["Petrova", "Quentin", "Quietly", "nadia.reader@example.net"])
          expect(text).not.toContain(secret);
        await auditBothWidths(page, { axe: view.javaScriptEnabled });
        await shot(page, `wall-home-${view.width}`);
      });
    });
  }

  it("pages back to older messages and to the newest again with plain links, without JavaScript (360 px)", async () => {
    await app.withPage({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false }, async (page) => {
      await page.goto("/c/defence-fund");
      const wall = page.getByRole("region", { name: "Wall of solidarity" });
      const quotes = wall.locator("blockquote");
      expect(await quotes.count()).toBe(12);
      expect(await quotes.first().innerText()).toBe(`Paged message number ${OLDER - 1}`);
      await wall.getByRole("link", { name: "Older messages" }).click();
      await page.waitForURL(/\/c\/defence-fund\?before=[\dT%A.-]+Z~\d+#wall$/);
      expect(await quotes.allInnerTexts()).toEqual(["Paged message number 0"]);
      expect(await wall.getByRole("link", { name: "Older messages" }).count()).toBe(0);
      await shot(page, "wall-older-360");
      await wall.getByRole("link", { name: "Back to the newest messages" }).click();
      await page.waitForURL(/\/c\/defence-fund#wall$/);
      expect(await quotes.count()).toBe(12);
    });
  });
});
