// The admin menu in a real browser: one line on a 1280 px laptop screen for an administrator
// (the longest menu) with a long name, every page staff may read linked for staff, and no
// sideways scrolling on a phone.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { horizontalOverflow, signInStaff } from "./flows";

requireChromium();

const ADMIN = {
  email: "menu.admin@fund.example",
  name: "Alexandra Fitzgerald-Okonkwo",
  role: "admin" as const,
  password: "a-long-e2e-admin-password",
};
const STAFF = {
  email: "menu.staff@fund.example",
  name: "Sam Staff",
  role: "staff" as const,
  password: "a-long-e2e-staff-password",
};
const LAPTOP = { width: 1280, height: 800 };

let app: E2E;
const states: Record<"admin" | "staff", Awaited<ReturnType<BrowserContext["storageState"]>> | null> = {
  admin: null,
  staff: null,
};

beforeAll(async () => {
  app = await startE2E({
    prepare: async (databaseEnv) => {
      await createStaffAccount(databaseEnv, ADMIN);
      await createStaffAccount(databaseEnv, STAFF);
    },
  });
  for (const [who, person] of [
    ["admin", ADMIN],
    ["staff", STAFF],
  ] as const) {
    await app.withPage({}, async (page, context) => {
      await signInStaff(page, person);
      states[who] = await context.storageState();
    });
  }
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const as = (who: "admin" | "staff", run: (page: Page) => Promise<void>, viewport = LAPTOP) =>
  app.withPage({ storageState: states[who]!, viewport }, run);
const menu = (page: Page) => page.getByRole("navigation", { name: "Administration" });

/** Controls left as the browser draws them (a native button is about 21 px tall): none on staff pages. */
async function unstyledControls(page: Page) {
  return page.evaluate(() =>
    [
      ...document.querySelectorAll(
        "main :is(button:not(.link-button), select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]))",
      ),
    ]
      .filter((el) => el.getBoundingClientRect().width > 0)
      .filter((el) => {
        const style = getComputedStyle(el);
        return el.getBoundingClientRect().height < 40 || style.borderTopLeftRadius === "0px";
      })
      .map(
        (el) =>
          `${el.tagName.toLowerCase()} "${(el.textContent || (el as HTMLInputElement).name || "").trim().slice(0, 40)}" (${Math.round(el.getBoundingClientRect().height)} px)`,
      ),
  );
}

/**
 * Controls written by hand instead of with the shared components (app/ui/admin.tsx, app/ui/fields.tsx):
 * a button without the Button look, or an input, select or textarea outside a shared field wrapper
 * (TextField, SelectField, CheckField, … draw `.field`/`.check`; the caller search draws `.combobox`).
 * The menu (its own look) is left out.
 */
async function handWrittenControls(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("main :is(button, select, textarea, input:not([type=hidden]))")]
      .filter((el) => !el.closest("nav"))
      .filter((el) =>
        el.tagName === "BUTTON" ? !el.classList.contains("admin-button") : !el.closest(".field, .check, .combobox"),
      )
      .map((el) => el.outerHTML.slice(0, 100)),
  );
}

/** The rows the menu's items sit on: distinct tops, rounded. */
async function menuRows(page: Page) {
  return menu(page).evaluate((nav) => {
    const items = [...nav.querySelectorAll(":scope > *, :scope > * > a")].filter(
      (el) => el.getBoundingClientRect().width > 0,
    );
    const rows = new Map<number, string[]>();
    for (const el of items) {
      const r = el.getBoundingClientRect();
      const top = Math.round(r.top + r.height / 2);
      const row = [...rows.keys()].find((t) => Math.abs(t - top) <= 4) ?? top;
      rows.set(row, [...(rows.get(row) ?? []), (el.textContent ?? "").trim()]);
    }
    return [...rows.values()];
  });
}

describe("the admin menu", () => {
  it("fits one line at 1280 px for an administrator with a long name, the rest a click away", async () => {
    await as("admin", async (page) => {
      for (const path of ["/admin", "/admin/pledges/new", "/admin/audit"]) {
        await page.goto(path);
        const rows = await menuRows(page);
        expect(rows, `menu rows on ${path}`).toHaveLength(1);
        expect(rows[0].join(" ")).toContain("Sign out");
      }
      await waitForHydration(page);
      await menu(page).getByText("More", { exact: true }).click();
      for (const label of ["Mail log", "Payment events", "Campaigns", "Plans", "Staff", "Audit log"])
        await menu(page).getByRole("link", { name: label, exact: true }).waitFor();
      expect(await menu(page).getByRole("link", { name: "Audit log" }).getAttribute("aria-current")).toBe("page");
    });
  });

  it("links staff to every admin page they may read, payment events included, and not to admin-only ones", async () => {
    await as("staff", async (page) => {
      await page.goto("/admin");
      await waitForHydration(page);
      expect(await menuRows(page)).toHaveLength(1);
      await menu(page).getByText("More", { exact: true }).click();
      for (const adminOnly of ["Plans", "Staff", "Audit log"])
        expect(await menu(page).getByRole("link", { name: adminOnly, exact: true }).count(), adminOnly).toBe(0);
      await menu(page).getByRole("link", { name: "Payment events" }).click();
      await page.waitForURL(/\/admin\/events$/);
      await page.getByRole("heading", { level: 1, name: "Payment events" }).waitFor();
      // The menu closed behind the navigation, and says where we are.
      expect(await menu(page).getByRole("link", { name: "Payment events" }).count()).toBe(0);
      expect(await menuRows(page)).toHaveLength(1);
    });
  });

  it("wraps on a phone without sideways scrolling", async () => {
    await as(
      "admin",
      async (page) => {
        await page.goto("/admin");
        const overflow = await horizontalOverflow(page);
        expect(overflow.scrollWidth, `wider than the screen: ${overflow.widest.join(", ")}`).toBeLessThanOrEqual(
          overflow.clientWidth,
        );
      },
      { width: 360, height: 800 },
    );
  });

  it("the admin has a header of its own, not the public site's navigation", async () => {
    await as("staff", async (page) => {
      for (const path of ["/admin", "/admin/supporters", "/admin/exports"]) {
        await page.goto(path);
        const banner = page.getByRole("banner");
        expect(await banner.innerText(), path).toMatch(/Staff admin/);
        expect(await page.getByRole("navigation", { name: "Main" }).count(), path).toBe(0);
        expect(await banner.getByRole("link", { name: "Give", exact: true }).count(), path).toBe(0);
      }
    });
    // The public pages keep theirs.
    await app.withPage({}, async (page) => {
      await page.goto("/");
      expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Give" }).count()).toBe(1);
    });
  });

  it("every page staff may open passes axe, fits a 1280×800 laptop and a 768 px tablet without sideways scrolling, and draws its controls with the shared components", async () => {
    // Each page is opened once, at 1280×800, then the same page is narrowed to a 768 px tablet:
    // CSS lays it out again, and nothing is loaded or hydrated twice.
    const TABLET = { width: 768, height: 1024 };
    await app.withPage({ storageState: states.admin!, viewport: LAPTOP, bypassCSP: true }, async (page) => {
      const problems: string[] = [];
      for (const path of [
        "/admin",
        "/admin/pledges",
        "/admin/pledges/new",
        "/admin/supporters",
        "/admin/payments",
        "/admin/exports",
        "/admin/messages",
        "/admin/mail",
        "/admin/events",
        "/admin/campaigns",
        "/admin/campaigns/new",
        "/admin/plans",
        "/admin/plans/new",
        "/admin/settings",
        "/admin/staff",
        "/admin/audit",
      ]) {
        await page.setViewportSize(LAPTOP);
        await page.goto(path);
        await waitForHydration(page);
        const handWritten = await handWrittenControls(page);
        if (handWritten.length > 0)
          problems.push(`${path} has controls not drawn by the shared components:\n${handWritten.join("\n")}`);
        const unstyled = await unstyledControls(page);
        if (unstyled.length > 0) problems.push(`${path} has native unstyled controls: ${unstyled.join(", ")}`);
        for (const viewport of [LAPTOP, TABLET]) {
          await page.setViewportSize(viewport);
          const overflow = await horizontalOverflow(page);
          if (overflow.scrollWidth > overflow.clientWidth)
            problems.push(`${path} at ${viewport.width} px is wider than the screen: ${overflow.widest.join(", ")}`);
          const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
          if (blocking.length > 0) problems.push(`${path} at ${viewport.width} px:\n${describeViolations(blocking)}`);
        }
      }
      expect(problems, problems.join("\n\n")).toEqual([]);
    });
    // Signed out: the sign-in page too.
    await app.withPage({ viewport: LAPTOP }, async (page) => {
      await page.goto("/admin/sign-in");
      expect(await handWrittenControls(page)).toEqual([]);
      expect(await unstyledControls(page)).toEqual([]);
    });
  });

  it("a staff member opening an admin-only page is told it is for administrators, in the admin's own frame", async () => {
    await as("staff", async (page) => {
      for (const [path, said] of [
        ["/admin/settings", /Only an administrator can do this\. Ask an administrator if you need it done\./],
        ["/admin/payments/1/refund", /Refunds are for administrators\. Ask an administrator if you need it done\./],
      ] as const) {
        const response = await page.goto(path);
        expect(response?.status(), path).toBe(403);
        await page.getByRole("heading", { level: 1, name: "Not open to your account" }).waitFor();
        expect(await page.locator("main").innerText(), path).toMatch(said);
        expect(await page.getByRole("banner").innerText(), path).toMatch(/Staff admin/);
      }
    });
  });
});
