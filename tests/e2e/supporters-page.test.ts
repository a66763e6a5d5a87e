// The Supporters page in a browser without JavaScript, on a phone (360 px) and a laptop (1280 px):
// the newest supporters before anything is typed, a filter, a search typed the way staff type
// ("obrien" for O'Brien), and axe (WCAG 2.2 A and AA, serious or critical) on each (ADR 038).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, type E2E } from "../support/browser";
import { completeGift, horizontalOverflow, signInStaff } from "./flows";

requireChromium();

const STAFF = {
  email: "finder@fund.example",
  name: "Fin Finder",
  role: "staff" as const,
  password: "a-long-e2e-staff-password",
};
const DONOR = { name: "Siobhan O'Brien", email: "siobhan.obrien@example.net" };
const OTHER = { name: "Tomasz Nowak", email: "tomasz.nowak@example.net" };
let app: E2E;
let staffState: Awaited<ReturnType<import("playwright-core").BrowserContext["storageState"]>>;

beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, STAFF) });
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    await completeGift(page, { amount: "$25", email: DONOR.email, name: DONOR.name });
    await completeGift(page, { amount: "$25", email: OTHER.email, name: OTHER.name });
  });
  await app.withPage({}, async (page, context) => {
    await signInStaff(page, STAFF);
    staffState = await context.storageState();
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const rowNames = (page: Page) => page.locator("table tbody tr td:first-child").allInnerTexts();

async function expectAccessible(page: Page, width: number) {
  // axe is injected as a script, which the page's Content-Security-Policy rightly refuses.
  const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(blocking, describeViolations(blocking)).toEqual([]);
  const overflow = await horizontalOverflow(page);
  expect(overflow.scrollWidth, `wider than ${width} px: ${overflow.widest.join(", ")}`).toBeLessThanOrEqual(width);
}

describe("the Supporters page", () => {
  it.each([360, 1280])(
    "without JavaScript lists the newest first, filters, and finds O'Brien as obrien at %i px",
    async (width) => {
      await app.withPage(
        { storageState: staffState, javaScriptEnabled: false, viewport: { width, height: 800 } },
        async (page) => {
          await page.goto("/admin/supporters");
          expect(await rowNames(page)).toEqual([OTHER.name, DONOR.name]);

          await page.getByLabel("No email address").check();
          await page.getByRole("button", { name: "Search" }).click();
          await page.waitForURL(/noEmail=1/);
          await page.getByText("No supporters with these filters.").waitFor();

          await page.goto("/admin/supporters");
          await page.getByLabel("Name, town, email, phone or postcode").fill("obrien");
          await page.getByRole("button", { name: "Search" }).click();
          await page.waitForURL(/q=obrien/);
          expect(await rowNames(page)).toEqual([DONOR.name]);
        },
      );
    },
    60_000,
  );

  it.each([360, 1280])(
    "has no serious accessibility violation and fits %i px",
    async (width) => {
      await app.withPage(
        { storageState: staffState, bypassCSP: true, viewport: { width, height: 800 } },
        async (page) => {
          for (const path of ["/admin/supporters", "/admin/supporters?q=obrien", "/admin/supporters?noEmail=1"]) {
            await page.goto(path);
            await expectAccessible(page, width);
          }
        },
      );
    },
    60_000,
  );
});
