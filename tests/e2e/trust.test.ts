// ADR 040: trust where people give. A privacy page for readers at risk, linked
// next to the give button; the organisation's tax status from its settings; the phone number as
// a tel: link; an empty progress bar draws nothing; the stats row wraps cleanly at 360 px.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, type E2E } from "../support/browser";
import { giveButton, horizontalOverflow, signInStaff } from "./flows";

requireChromium();

const ADMIN = {
  email: "trust.admin@fund.example",
  name: "Trust Admin",
  role: "admin" as const,
  password: "a-long-e2e-trust-password",
};

let app: E2E;
beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, ADMIN) });
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const VIEWS = [
  { width: 360, javaScriptEnabled: false },
  { width: 360, javaScriptEnabled: true },
  { width: 1280, javaScriptEnabled: false },
  { width: 1280, javaScriptEnabled: true },
];
const how = ({ width, javaScriptEnabled }: { width: number; javaScriptEnabled: boolean }) =>
  `${width} px, ${javaScriptEnabled ? "with" : "without"} JavaScript`;

async function axe(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, describeViolations(violations)).toEqual([]);
  expect((await horizontalOverflow(page)).widest).toEqual([]);
}

describe("trust where people give", () => {
  for (const view of VIEWS) {
    it(`the campaign page: privacy link by the give button, tel: link, nothing drawn at zero, stats on clean lines (${how(view)})`, async () => {
      await app.withPage(
        { viewport: { width: view.width, height: 900 }, javaScriptEnabled: view.javaScriptEnabled },
        async (page) => {
          await page.goto("/");
          // The link sits right after the give button, inside the form.
          const privacy = page
            .locator(".donate-form .give-button + .give-trust")
            .getByRole("link", { name: "Your privacy: what we keep and who sees it" });
          expect(await privacy.getAttribute("href")).toBe("/privacy");
          expect(await giveButton(page).isVisible()).toBe(true);
          // The phone line, by the supporter options and in the footer, as tel: links.
          expect(
            await page.locator(".phone-note").getByRole("link", { name: "03 9000 0000" }).getAttribute("href"),
          ).toBe("tel:0390000000");
          expect(await page.locator("footer").getByRole("link", { name: "03 9000 0000" }).getAttribute("href")).toBe(
            "tel:0390000000",
          );
          // Nothing raised yet: the bar has no fill at all.
          expect(
            await page.getByRole("progressbar", { name: "Funding target" }).locator(".progress-fill").count(),
          ).toBe(0);
          // Each figure on one line, and no two figures overlapping.
          const stats = await page.locator(".progress-stats dd").evaluateAll((dds) =>
            dds.map((dd) => {
              const range = document.createRange();
              range.selectNodeContents(dd);
              const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
              const box = dd.getBoundingClientRect();
              return {
                text: dd.textContent,
                lines,
                left: box.left,
                right: box.right,
                top: box.top,
                bottom: box.bottom,
              };
            }),
          );
          for (const stat of stats) expect(stat.lines, `${stat.text} wraps`).toBe(1);
          for (const [i, a] of stats.entries())
            for (const b of stats.slice(i + 1)) {
              const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
              expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false);
            }
          // The supporter options' Pay button has it too.
          await page.goto("/support");
          expect(
            await page
              .locator(".tier-form .give-button + .give-trust")
              .getByRole("link", { name: "Your privacy: what we keep and who sees it" })
              .getAttribute("href"),
          ).toBe("/privacy");
          await page.goto("/");
          if (view.javaScriptEnabled) await axe(page);
          if (process.env.FF_SHOTS)
            await page.screenshot({
              path: `${process.env.FF_SHOTS}/trust-${view.width}-${view.javaScriptEnabled ? "js" : "nojs"}.png`,
              fullPage: true,
            });
        },
      );
    });

    it(`the privacy page says what is kept, for how long, and who processes what (${how(view)})`, async () => {
      await app.withPage(
        { viewport: { width: view.width, height: 900 }, javaScriptEnabled: view.javaScriptEnabled },
        async (page) => {
          await page.goto("/");
          await page.getByRole("link", { name: "Your privacy: what we keep and who sees it" }).click();
          await page.waitForURL(/\/privacy$/);
          await page.getByRole("heading", { level: 1, name: "Your privacy when you give" }).waitFor();
          const text = (await page.locator("main").innerText()).replace(/\s+/g, " ");
          for (const heading of [
            "What we keep",
            "What we never keep",
            "Giving anonymously",
            "Who handles what",
            "How long we keep it",
            "Your control",
          ]) {
            expect(await page.getByRole("heading", { level: 2, name: heading }).isVisible()).toBe(true);
          }
          // This server runs simulated payments and the dev mailbox: the page says so, naming what a live site uses.
          expect(text).toContain("Card payments are simulated on this demonstration site");
          expect(text).toContain("Stripe");
          expect(text).toContain("Emails are simulated on this demonstration site");
          expect(text).toContain("Resend");
          expect(await page.getByRole("link", { name: "supporters@example.org" }).getAttribute("href")).toBe(
            "mailto:supporters@example.org",
          );
          if (view.javaScriptEnabled) await axe(page);
          if (process.env.FF_SHOTS)
            await page.screenshot({
              path: `${process.env.FF_SHOTS}/privacy-${view.width}-${view.javaScriptEnabled ? "js" : "nojs"}.png`,
              fullPage: true,
            });
        },
      );
    });
  }

  it("the organisation's tax status, once an admin states it, is said by the give button", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      expect(await page.locator("main").innerText()).not.toMatch(/tax-deductible/);
      await signInStaff(page, ADMIN);
      await page.goto("/admin/settings");
      await page.getByLabel("Gifts are tax-deductible").check();
      await page.locator("main form").getByRole("button").last().click();
      await page.waitForURL(/\/admin\/settings\?saved=1$/);
      await page.getByText("Settings saved.").waitFor();
      await page.goto("/");
      const note = page.locator(".donate-form .give-trust.hint");
      expect(await note.innerText()).toBe(
        "Gifts (donations) to Fighting Fund Demo Press are tax-deductible. Supporter subscriptions buy an edition and are not gifts.",
      );
    });
  });
});
