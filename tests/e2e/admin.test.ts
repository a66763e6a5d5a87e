// The staff side in a real browser, on one server with simulated payments and the dev mailbox:
// phone pledges (emailed link, cheque, a caller without email using only the keyboard), the
// caller type-ahead, a refund, the print mailing list, the pledge screen's fit on a laptop
// screen, and axe (WCAG 2.2 A and AA, serious or critical) on every admin page.
import { readFile } from "node:fs/promises";
import type { BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { CHECKOUT_URL, completeGift, finishCheckout, horizontalOverflow, openMail, signInStaff } from "./flows";

requireChromium();

/** Made with `npm run staff -- create` before the server starts: no demo admin on PostgreSQL. */
const STAFF = {
  email: "phones@fund.example",
  name: "Pat Phones",
  role: "admin" as const,
  password: "a-long-e2e-staff-password",
};
const LAPTOP = { width: 1280, height: 800 };
/** Pays by the emailed link. */
const LINK_CALLER = { name: "Lindiwe Linkpay", email: "lindiwe.linkpay@example.net", phone: "03 9111 2222" };
/** Gave on the website once; found with the type-ahead, pledges by cheque and is refunded. */
const CHEQUE_DONOR = { name: "Chester Chequebook", email: "chester.chequebook@example.net" };
/** No email: 12 months of print, paid by cheque, taken with the keyboard only. */
const PRINT_CALLER = {
  name: "Priya Postal",
  phone: "0400 123 456",
  street: "7 Letterbox Lane",
  city: "Brunswick",
  state: "VIC",
  postcode: "3056",
};

let app: E2E;
let staffState: Awaited<ReturnType<BrowserContext["storageState"]>>;
/** Pages the tests made, for the axe pass at the end. */
const made: { pledgePath?: string; supporterPath?: string } = {};

beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, STAFF) });
  await Promise.all([
    app.withPage({ javaScriptEnabled: false }, async (page) => {
      await completeGift(page, { amount: "$25", email: CHEQUE_DONOR.email, name: CHEQUE_DONOR.name });
    }),
    app.withPage({}, async (page, context) => {
      await signInStaff(page, STAFF);
      staffState = await context.storageState();
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const asStaff = (
  run: (page: Page) => Promise<void>,
  options: { javaScriptEnabled?: boolean; bypassCSP?: boolean } = {},
) => app.withPage({ storageState: staffState, viewport: LAPTOP, ...options }, run);
const summaryValue = (page: Page, term: string) =>
  page
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]")
    .innerText();
const saveButton = (page: Page) => page.getByRole("button", { name: "Save pledge" });
const combobox = (page: Page) => page.getByRole("combobox", { name: /^Find by phone/ });

async function openPledgeScreen(page: Page) {
  await page.goto("/admin/pledges/new");
  await waitForHydration(page);
}

/** Saves the pledge form and waits for the new pledge's page; returns its path. */
async function savePledge(page: Page) {
  await saveButton(page).click();
  await page.waitForURL(/\/admin\/pledges\/\d+\?created=1$/);
  return new URL(page.url()).pathname;
}

describe("phone pledges", () => {
  it("a new caller's pledge by emailed link: they open the link from their email, pay on the test checkout, and the pledge shows as paid", async () => {
    await asStaff(async (page) => {
      await openPledgeScreen(page);
      await page.getByLabel("Name", { exact: true }).fill(LINK_CALLER.name);
      await page.getByLabel("Phone", { exact: true }).fill(LINK_CALLER.phone);
      await page.getByLabel("Email (optional)", { exact: true }).fill(LINK_CALLER.email);
      await page.getByLabel("Amount (gifts)").fill("40");
      expect(await page.getByRole("radio", { name: "One-off gift" }).isChecked()).toBe(true);
      expect(await page.getByRole("radio", { name: "Email a payment link" }).isChecked()).toBe(true);
      const pledgePath = await savePledge(page);
      made.pledgePath = pledgePath;
      expect(await summaryValue(page, "Status")).toBe("pending");
      expect(await summaryValue(page, "Supporter")).toContain(LINK_CALLER.email);

      const mail = await openMail(page, { to: LINK_CALLER.email, subject: /Complete your pledge/ });
      const payPath = /\/pay\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
      expect(payPath, `a /pay/ link in:\n${mail.text}`).toBeDefined();
      await page.goto(payPath!);
      await page.getByRole("heading", { level: 1, name: "Complete your pledge" }).waitFor();
      await page.getByRole("button", { name: /^Pay \$40/ }).click();
      await page.waitForURL(CHECKOUT_URL);
      await finishCheckout(page, "Pay");

      await page.goto(pledgePath);
      expect(await summaryValue(page, "Status")).toBe("paid");
      expect(await summaryValue(page, "Payment")).toMatch(/^Payment #\d+, receipt #\d+/);
    });
  });

  it("the type-ahead finds an earlier donor by name; they pledge by cheque, and an admin refunds it from their supporter page", async () => {
    await asStaff(async (page) => {
      await openPledgeScreen(page);
      const input = combobox(page);
      await input.pressSequentially("chequeb");
      const option = page.getByRole("option", { name: new RegExp(CHEQUE_DONOR.name) });
      await option.waitFor();
      expect(await option.innerText()).toContain(CHEQUE_DONOR.email);
      await expect
        .poll(() =>
          page
            .getByRole("status")
            .filter({ hasText: /supporter matches/ })
            .innerText(),
        )
        .toMatch(/^1 supporter matches\./);
      expect(await input.getAttribute("aria-expanded")).toBe("true");

      await input.press("ArrowDown");
      expect(await input.getAttribute("aria-activedescendant")).toBe(await option.getAttribute("id"));
      expect(await option.getAttribute("aria-selected")).toBe("true");
      await input.press("Enter");
      await page.waitForURL(/[?&]supporter=\d+/);
      await page.locator(".caller-card", { hasText: CHEQUE_DONOR.name }).waitFor();
      expect(await input.getAttribute("aria-expanded")).toBe("false");

      await page.getByLabel("Amount (gifts)").fill("60");
      await page.getByRole("radio", { name: "Cheque" }).check();
      await page.getByLabel("Reference (cheque number or bank reference)").fill("100234");
      await savePledge(page);
      expect(await summaryValue(page, "Status")).toBe("paid");
      expect(await summaryValue(page, "Payment")).toMatch(/\(cheque, ref\. 100234\)/);

      made.supporterPath = (await page.getByRole("link", { name: CHEQUE_DONOR.name }).getAttribute("href"))!;
      expect(made.supporterPath).toMatch(/^\/admin\/supporters\/\d+$/);
      await page.goto(made.supporterPath);
      await page.getByRole("heading", { level: 1, name: CHEQUE_DONOR.name }).waitFor();
      await waitForHydration(page);
      const cheque = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "cheque", exact: true }) });
      await cheque.waitFor();
      expect(await cheque.count()).toBe(1);
      // A deliberate refund (ADR 039): the amount box starts empty, a reason, then a confirmation.
      await cheque.getByRole("link", { name: /^Refund receipt \d+…$/ }).click();
      const amount = page.getByLabel(/^Amount to refund/);
      expect(await amount.inputValue()).toBe("");
      await amount.fill("60");
      await page.getByRole("radio", { name: "The supporter asked for it" }).check();
      await page.getByRole("button", { name: "Continue to check the refund" }).click();
      expect(await summaryValue(page, "How")).toMatch(/^Recorded here only: this was a cheque payment/);
      await page.getByRole("button", { name: "Refund $60.00 AUD" }).click();
      await page.getByRole("status").filter({ hasText: "Refund recorded." }).waitFor();
      expect(new URL(page.url()).pathname).toBe(made.supporterPath);
      const refunded = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "cheque", exact: true }) });
      expect(await refunded.getByRole("cell").nth(5).innerText()).toMatch(/^\$60(\.00)? AUD$/);
      expect(await refunded.getByRole("link", { name: /^Refund/ }).count()).toBe(0);
    });
  });

  it("a caller without email pledges 12 months of print by cheque, taken with the keyboard alone; the print mailing list has their name and address", async () => {
    await asStaff(async (page) => {
      await openPledgeScreen(page);
      /** The focused control, named as a person would find it, after checking its focus can be seen. */
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLInputElement;
          const style = getComputedStyle(el);
          const visible = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
          const name =
            el.type === "radio" ? `${el.name}=${el.value}` : el.tagName === "BUTTON" ? el.textContent!.trim() : el.name;
          return visible ? name : `${name} (focus not visible)`;
        });
      const tab = async (expected: string) => {
        await page.keyboard.press("Tab");
        expect(await focused()).toBe(expected);
      };
      const type = (text: string) => page.keyboard.type(text);

      // The search has the focus on arrival; the caller's fields come next, then the pledge's.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("q");
      await tab("Search");
      await tab("name");
      await type(PRINT_CALLER.name);
      await tab("phone");
      await type(PRINT_CALLER.phone);
      await tab("email");
      await tab("addressLine1");
      await type(PRINT_CALLER.street);
      await tab("addressCity");
      await type(PRINT_CALLER.city);
      await tab("addressState");
      await type(PRINT_CALLER.state);
      await tab("addressPostalCode");
      await type(PRINT_CALLER.postcode);
      await tab("kind=one_off");
      for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
      expect(await focused()).toBe("kind=tier_one_time");
      await tab("planCode");
      for (let i = 0; i < 8 && (await page.locator("#planCode").inputValue()) !== "print-year"; i++)
        await page.keyboard.press("ArrowDown");
      expect(await page.locator("#planCode").inputValue()).toBe("print-year");
      await tab("amount");
      await tab("campaignId");
      // Unasked, a caller is not named on the wall of solidarity (ADR 043).
      await tab("publicName=no");
      await tab("payMethod=link");
      await page.keyboard.press("ArrowDown");
      expect(await focused()).toBe("payMethod=cheque");
      await tab("reference");
      await type("200345");
      await tab("message");
      await tab("notes");
      await tab("Save pledge");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/admin\/pledges\/\d+\?created=1$/);
      expect(await summaryValue(page, "Status")).toBe("paid");
      expect(await summaryValue(page, "What")).toMatch(/Print supporter — 12 months/);
      expect(await summaryValue(page, "Supporter")).toMatch(/no email address/);

      // The print run a week from now: entitled for 12 months from today.
      const on = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
      await page.goto("/admin/exports");
      await page.getByLabel("Entitled on").fill(on);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download mailing list" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`print-mailing-list-${on}.csv`);
      const csv = await readFile((await download.path())!, "utf8");
      const row = csv.split(/\r?\n/).find((line) => line.includes(PRINT_CALLER.name));
      expect(row, `a row for ${PRINT_CALLER.name} in:\n${csv}`).toBeDefined();
      for (const part of [PRINT_CALLER.street, PRINT_CALLER.city, PRINT_CALLER.state, PRINT_CALLER.postcode, "AU"])
        expect(row).toContain(part);
      expect(csv).not.toContain(CHEQUE_DONOR.name);
    });
  });

  it("the type-ahead waits for a pause in typing, and abandons an older search when a newer one starts", async () => {
    await asStaff(async (page) => {
      await openPledgeScreen(page);
      await page.clock.install();
      // The page's time stands still while the keys are typed, however slowly they arrive on a
      // busy machine: only the clock moving on (runFor) is a pause in typing.
      await page.clock.pauseAt(Date.now() + 1_000);
      const searches: Request[] = [];
      const aborted: string[] = [];
      let releaseFirst!: () => void;
      const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
      await page.route("**/admin/supporters/search?*", async (route) => {
        searches.push(route.request());
        // The first answer is slow: the newer search must not wait for it, nor be overwritten by it.
        if (searches.length === 1) await firstHeld;
        await route.continue().catch(() => {});
      });
      page.on(
        "requestfailed",
        (request) =>
          request.url().includes("/admin/supporters/search") &&
          aborted.push(new URL(request.url()).searchParams.get("q")!),
      );

      await combobox(page).pressSequentially("chester");
      expect(searches, "no search while typing continues").toHaveLength(0);
      await page.clock.runFor(200);
      await expect.poll(() => searches.length).toBe(1);
      expect(new URL(searches[0].url()).searchParams.get("q")).toBe("chester");

      await combobox(page).pressSequentially(" c");
      await page.clock.runFor(200);
      await expect.poll(() => searches.length).toBe(2);
      await expect.poll(() => aborted).toEqual(["chester"]);
      releaseFirst();
      await page.getByRole("option", { name: new RegExp(CHEQUE_DONOR.name) }).waitFor();
      expect(new URL(searches[1].url()).searchParams.get("q")).toBe("chester c");
    });
  });

  it("without JavaScript, the search still finds the caller and choosing one fills the pledge for them", async () => {
    await asStaff(
      async (page) => {
        await page.goto("/admin/pledges/new");
        await page.getByLabel(/^Find by phone/).fill("chequebook");
        await page.getByRole("button", { name: "Search" }).click();
        await page
          .getByRole("list", { name: "Matching supporters" })
          .getByRole("link", { name: CHEQUE_DONOR.name })
          .click();
        await page.locator(".caller-card", { hasText: CHEQUE_DONOR.name }).waitFor();
        expect(await page.locator("input[type=hidden][name=supporterId]").getAttribute("form")).toBe("pledge-form");
        expect(await page.getByLabel("Name", { exact: true }).count()).toBe(0);
      },
      { javaScriptEnabled: false },
    );
  });

  it("the whole pledge form fits a 1280×800 screen without scrolling, and is one column on a phone", async () => {
    await asStaff(async (page) => {
      await openPledgeScreen(page);
      const box = await saveButton(page).boundingBox();
      expect(box).not.toBeNull();
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect(box!.y + box!.height).toBeLessThanOrEqual(LAPTOP.height);
      expect(box!.x + box!.width).toBeLessThanOrEqual(LAPTOP.width);
      const outside = await page.evaluate(
        ({ width, height }) =>
          [...document.querySelectorAll(".pledge-screen :is(input:not([type=hidden]), select, textarea, button)")]
            .filter((el) => {
              const r = el.getBoundingClientRect();
              return r.bottom > height || r.right > width;
            })
            .map((el) => (el as HTMLInputElement).name || el.id),
        LAPTOP,
      );
      expect(outside, "form controls below or beside the first screen").toEqual([]);

      await page.setViewportSize({ width: 360, height: 800 });
      const [name, kind, submit] = await Promise.all([
        page.getByLabel("Name", { exact: true }).boundingBox(),
        page.getByRole("radio", { name: "One-off gift" }).boundingBox(),
        saveButton(page).boundingBox(),
      ]);
      expect(kind!.y).toBeGreaterThan(name!.y);
      expect(submit!.y).toBeGreaterThan(kind!.y);
      expect(Math.abs(submit!.x - name!.x)).toBeLessThan(2);
      const overflow = await horizontalOverflow(page);
      expect(overflow.scrollWidth, `wider than the screen: ${overflow.widest.join(", ")}`).toBeLessThanOrEqual(
        overflow.clientWidth,
      );
    });
  });
});

describe("accessibility of the admin pages (axe, WCAG 2.2 A and AA)", () => {
  it("no admin page has a serious or critical violation", async () => {
    const found: Record<string, string> = {};
    const check = async (page: Page, label: string) => {
      const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
      if (blocking.length > 0) found[label] = describeViolations(blocking);
    };
    // axe is injected as an inline script, which the pages' Content-Security-Policy rightly refuses.
    await app.withPage({ bypassCSP: true }, async (page) => {
      await page.goto("/admin/sign-in");
      await waitForHydration(page);
      await check(page, "/admin/sign-in");
    });
    await asStaff(
      async (page) => {
        // Every admin page as it first opens is audited at 1280×800 and 768 px in admin-nav.test.ts;
        // here, the pages and states only the earlier tests here make.
        const paths = [made.pledgePath, "/admin/supporters?q=e", made.supporterPath];
        expect(
          paths.filter((p) => !p),
          "the pledge and supporter pages the earlier tests made",
        ).toEqual([]);
        for (const path of paths as string[]) {
          await page.goto(path);
          await waitForHydration(page).catch((error: Error) => {
            throw new Error(`${path} did not hydrate: ${error.message}`);
          });
          await check(page, path);
        }

        // The pledge screen in its other states: the type-ahead's list open, and the form's errors.
        await openPledgeScreen(page);
        await combobox(page).pressSequentially("ch");
        await page.getByRole("listbox").waitFor();
        await check(page, "/admin/pledges/new with the type-ahead open");
        await combobox(page).press("Escape");
        await saveButton(page).click();
        await page.getByRole("alert").waitFor();
        await check(page, "/admin/pledges/new with errors");
      },
      { bypassCSP: true },
    );
    expect(
      found,
      Object.entries(found)
        .map(([page, text]) => `${page}:\n${text}`)
        .join("\n\n"),
    ).toEqual({});
  });
});
