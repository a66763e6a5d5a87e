// Every account page with a table shows every column's content at 360 px and 1280 px (ADR 035–036):
// on phones the tables become stacked rows, each cell labelled by its column. "Visible" means
// inside the viewport and not clipped by any scrolling or hidden-overflow box around it.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { becomeSupporter, completeGift, horizontalOverflow, signIn, submitGift, finishCheckout } from "./flows";

requireChromium();

const READER = "narrow-reader@example.net";
let app: E2E;

beforeAll(async () => {
  app = await startE2E();
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    // A gift, a monthly gift and a supporter year: both kinds of payment, in both tables.
    await completeGift(page, { amount: "$25", email: READER, name: "Nadia Narrowscreen-Longsurname" });
    await page.goto("/");
    await submitGift(page, { amount: "$50", email: READER, frequency: "Monthly" });
    await finishCheckout(page);
    await becomeSupporter(page, { plan: "Digital supporter — 12 months", email: READER });
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

type Problem = string;

/**
 * For every body cell of every table on the page: it has content, that content is inside the
 * viewport and inside every ancestor that could clip it, and its column's name is shown with it
 * (the header cell on wide screens, the cell's own label on phones).
 */
async function hiddenColumns(page: Page): Promise<{ problems: Problem[]; cells: number; columns: string[] }> {
  return page.evaluate(() => {
    const problems: string[] = [];
    let cells = 0;
    const columns = new Set<string>();
    for (const table of document.querySelectorAll("main table")) {
      const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent?.trim() ?? "");
      const headerRow = table.querySelector("thead tr");
      const headerShown = headerRow ? headerRow.getBoundingClientRect().height > 1 : false;
      for (const row of table.querySelectorAll("tbody tr")) {
        [...row.children].forEach((cell, i) => {
          cells += 1;
          const column = headers[i] ?? `column ${i + 1}`;
          columns.add(column);
          const where = `${column} of "${row.textContent?.trim().slice(0, 30)}"`;
          const range = document.createRange();
          range.selectNodeContents(cell);
          const rect = range.getBoundingClientRect();
          if (!cell.textContent?.trim() || rect.width < 1 || rect.height < 1)
            problems.push(`${where}: empty or zero-sized`);
          if (rect.left < -0.5 || rect.right > window.innerWidth + 0.5)
            problems.push(
              `${where}: outside the viewport (${Math.round(rect.left)}–${Math.round(rect.right)} of ${window.innerWidth})`,
            );
          for (let box = cell.parentElement; box && box !== document.body; box = box.parentElement) {
            const style = getComputedStyle(box);
            if (style.overflowX === "visible" && style.overflowY === "visible") continue;
            const clip = box.getBoundingClientRect();
            if (rect.left < clip.left - 0.5 || rect.right > clip.right + 0.5)
              problems.push(`${where}: clipped by ${box.tagName.toLowerCase()}.${box.className}`);
          }
          const label = getComputedStyle(cell, "::before").content.replace(/^"|"$/g, "");
          if (!headerShown && label !== column)
            problems.push(`${where}: no column name shown (header hidden, label "${label}")`);
        });
      }
    }
    return { problems, cells, columns: [...columns] };
  });
}

async function checkAccountPage(page: Page, path: string, name: string, expectedColumns: string[]) {
  await page.goto(path);
  await page.getByRole("heading", { level: 1 }).waitFor();
  const { problems, cells, columns } = await hiddenColumns(page);
  expect(cells).toBeGreaterThan(0);
  expect(columns).toEqual(expect.arrayContaining(expectedColumns));
  expect(problems).toEqual([]);
  expect((await horizontalOverflow(page)).widest).toEqual([]);
  const violations = await axeViolations(page);
  expect(violations, describeViolations(violations)).toEqual([]);
  if (process.env.FF_SHOTS) await page.screenshot({ path: `${process.env.FF_SHOTS}/${name}.png`, fullPage: true });
}

describe("account pages show every column at 360 px and 1280 px", () => {
  it("payments, statement and a receipt at 360 px, then at 1280 px", async () => {
    // Signed in once; each width loads every page afresh at that width.
    await app.withPage({ viewport: { width: 360, height: 900 } }, async (page) => {
      await signIn(page, READER);
      for (const width of [360, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await checkAccountPage(page, "/account", `account-${width}`, ["Date", "For", "Type", "Amount", "Receipt"]);
        // The receipt link is reachable and leads to the receipt.
        const payments = page.getByRole("table", { name: "Your payments, newest first" });
        expect(await payments.getByRole("cell", { name: "Donation" }).count()).toBe(2);
        expect(await payments.getByRole("cell", { name: "Supporter subscription" }).count()).toBe(1);
        await payments
          .getByRole("link", { name: /^No\. \d+$/ })
          .first()
          .click();
        await page.waitForURL(/\/account\/receipts\/\d+$/);
        await page.getByRole("heading", { level: 1, name: /^Receipt \d+$/ }).waitFor();
        const receiptText = (await page.locator("main").innerText()).replace(/\s+/g, " ");
        expect(receiptText).toContain("Type Supporter subscription (buys an edition; not a donation)");
        const receipt = await horizontalOverflow(page);
        expect(receipt.widest).toEqual([]);
        const violations = await axeViolations(page);
        expect(violations, describeViolations(violations)).toEqual([]);
        if (process.env.FF_SHOTS)
          await page.screenshot({ path: `${process.env.FF_SHOTS}/receipt-${width}.png`, fullPage: true });

        await checkAccountPage(page, "/account/statement", `statement-${width}`, ["Date", "Receipt", "For", "Amount"]);
        const statement = (await page.locator("main").innerText()).replace(/\s+/g, " ");
        expect(statement).toMatch(/Gifts \(donations\).*You gave \$75 AUD, net of refunds\./);
        expect(statement).toMatch(
          /Supporter subscriptions.*not gifts.*You paid \$55 AUD for supporter subscriptions, net of refunds\./,
        );
        // The organisation has said nothing about tax: neither does the statement.
        expect(statement).not.toMatch(/deductible/i);
      }
    });
  });
});
