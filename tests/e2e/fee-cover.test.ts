// ADR 040: fee cover is visible. The give button states the total with the
// card fees covered (live with JavaScript; through CSS without), the payment page and the receipt
// (email and receipt page) show the gift and the cover on separate lines. 360 px and 1280 px,
// with and without JavaScript, checked with axe.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import {
  auditBothWidths,
  CHECKOUT_URL,
  finishCheckout,
  FLOW_VIEWS,
  giveButton,
  horizontalOverflow,
  openMail,
  signIn,
} from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const coverFees = (page: Page) => page.getByRole("checkbox", { name: /cover card fees/ });

async function axe(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, describeViolations(violations)).toEqual([]);
  expect((await horizontalOverflow(page)).widest).toEqual([]);
}

describe("fee cover is visible", () => {
  for (const { width, javaScriptEnabled } of FLOW_VIEWS) {
    const how = `${width} px, ${javaScriptEnabled ? "with" : "without"} JavaScript`;

    it(`the give button states the total with the cover, and the payment page shows both lines (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 900 }, javaScriptEnabled }, async (page) => {
        await page.goto("/");
        if (javaScriptEnabled) await waitForHydration(page);
        const button = giveButton(page);
        await page.getByRole("radio", { name: "$25", exact: true }).check();
        expect(await button.innerText()).toBe("Give $25 now");
        await coverFees(page).check();
        await expect.poll(() => button.innerText()).toBe("Give $25.74 now");
        await page.getByRole("radio", { name: "Monthly", exact: true }).check();
        await expect.poll(() => button.innerText()).toBe("Give $25.74 every month");
        await page.getByRole("radio", { name: "$100", exact: true }).check();
        await expect.poll(() => button.innerText()).toBe("Give $102.05 every month");
        await coverFees(page).uncheck();
        await expect.poll(() => button.innerText()).toBe("Give $100 every month");
        await coverFees(page).check();
        await page.getByRole("radio", { name: "Once", exact: true }).check();
        await page.getByRole("radio", { name: "Other", exact: true }).check();
        await page.getByLabel("Your amount (AUD)").fill("37");
        // $37 + 1.75% + 30c = $37.95: said exactly with JavaScript; without, the button says the cover is added.
        await expect
          .poll(() => button.innerText())
          .toBe(javaScriptEnabled ? "Give $37.95 now" : "Give your amount + card fees now");
        await auditBothWidths(page, { axe: javaScriptEnabled });
        if (process.env.FF_SHOTS)
          await page.screenshot({
            path: `${process.env.FF_SHOTS}/fee-cover-${width}-${javaScriptEnabled ? "js" : "nojs"}.png`,
            fullPage: true,
          });

        await page.getByLabel("Email", { exact: true }).fill(`cover-${width}-${javaScriptEnabled}@example.net`);
        await button.click();
        await page.waitForURL(CHECKOUT_URL);
        await page.getByRole("note").filter({ hasText: "Test checkout — no money moves" }).waitFor();
        const summary = (await page.locator("dl.summary").innerText()).replace(/\s+/g, " ");
        expect(summary).toContain("Gift $37 AUD Card fees covered $0.95 AUD Total $37.95 AUD");
        expect(await page.getByRole("button", { name: /^Pay / }).innerText()).toBe("Pay $37.95 (test)");
        await auditBothWidths(page, { axe: javaScriptEnabled });
      });
    });
  }

  it("the receipt email and the receipt page show the gift and the cover on separate lines", async () => {
    const email = "covered-receipt@example.net";
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await page.getByRole("radio", { name: "$25", exact: true }).check();
      await coverFees(page).check();
      await page.getByLabel("Email", { exact: true }).fill(email);
      await giveButton(page).click();
      await page.waitForURL(CHECKOUT_URL);
      await finishCheckout(page, "Pay");
      await page.getByRole("heading", { level: 1, name: /confirmed/ }).waitFor();
      const mail = await openMail(page, { to: email, subject: /^Your receipt / });
      for (const body of [mail.html, mail.text])
        expect(body).toMatch(/Gift\s+\$25 AUD\s+Card fees covered\s+\$0\.74 AUD\s+Amount\s+\$25\.74 AUD/);

      await signIn(page, email);
      await page
        .getByRole("link", { name: /^No\. \d+$/ })
        .first()
        .click();
      await page.getByRole("heading", { level: 1, name: /Receipt/ }).waitFor();
      const receipt = (await page.locator("main").innerText()).replace(/\s+/g, " ");
      expect(receipt).toContain("Gift $25.00 AUD Card fees covered $0.74 AUD Amount $25.74 AUD");
      await axe(page);
    });
  });
});
