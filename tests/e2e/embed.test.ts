// ADR 044: the appeal block on another site's page. A page served from another
// origin frames /embed/<campaign> with the snippet docs/embedding.md documents: from an origin an
// admin allowed, the browser renders it, it sets no cookie and asks nothing of any third party,
// and its button opens the donate page at the top with the choice made; from any other origin the
// browser refuses to frame it. 360 px without JavaScript and 1280 px with it; axe on the block.
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffAccount, requireChromium, startE2E, type E2E } from "../support/browser";
import { auditBothWidths, FLOW_VIEWS, signInStaff } from "./flows";

requireChromium();

const ADMIN = {
  email: "embed-admin@fund.example",
  name: "Embed Admin",
  role: "admin" as const,
  password: "a-long-embed-password",
};
const SLUG = "fighting-fund-2026";

/** A newspaper's site: one page with the documented snippet, in a column 300 px wide. */
type NewsSite = { origin: string; close: () => Promise<void> };

async function startNewsSite(snippet: string): Promise<NewsSite> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An article</title></head>
<body><main><h1>An article</h1><p>Help us reach our funding target.</p><div style="width:300px">${snippet}</div></main></body></html>`;
  const server = http.createServer((req, res) => {
    // Nothing but the page (its favicon: nothing, not a 404 in the console).
    if (req.url !== "/") return void res.writeHead(204).end();
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let app: E2E;
let allowed: NewsSite;
let other: NewsSite;
beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, ADMIN) });
  // The snippet exactly as docs/embedding.md gives it, pointed at this server.
  const docs = await readFile(path.join(import.meta.dirname, "../../docs/embedding.md"), "utf8");
  const snippet = /```html\n([\s\S]*?)```/
    .exec(docs)![1]!
    .replaceAll("https://give.example.org", app.server.origin)
    .replaceAll("winter-appeal", SLUG);
  [allowed, other] = await Promise.all([startNewsSite(snippet), startNewsSite(snippet)]);
}, 90_000);
afterAll(async () => {
  await Promise.allSettled([app?.close(), allowed?.close(), other?.close()]);
});

/**
 * A browser context of a reader on the news site: every request it makes (to any origin other
 * than the news site's and ours fails the test) and every console message, kept.
 */
async function readerContext(javaScriptEnabled: boolean, width: number) {
  const context = await app.browser.newContext({ javaScriptEnabled, viewport: { width, height: 900 } });
  context.setDefaultTimeout(10_000);
  const requested: string[] = [];
  const console: ConsoleMessage[] = [];
  context.on("request", (request) => requested.push(request.url()));
  context.on("page", (page) => page.on("console", (message) => console.push(message)));
  const page = await context.newPage();
  return { context, page, requested, console };
}

const thirdParties = (requested: string[]) =>
  requested.filter(
    (url) => /^https?:/.test(url) && ![allowed.origin, other.origin, app.server.origin].includes(new URL(url).origin),
  );

describe("the appeal block on another site", () => {
  it("an admin allows one site; there it renders, sets no cookie, and opens the donate page at the top with the choice made", async () => {
    // The admin lists the news site, in the browser, as the documentation says.
    const admin = await app.browser.newContext({ baseURL: app.server.origin });
    const adminPage = await admin.newPage();
    await signInStaff(adminPage, ADMIN);
    await adminPage.goto("/admin/settings");
    await adminPage.getByLabel("Sites that may show the appeal block").fill(`${allowed.origin}\n`);
    await adminPage.getByRole("button", { name: "Save settings" }).click();
    await adminPage.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
    await admin.close();

    for (const { width, javaScriptEnabled } of FLOW_VIEWS) {
      const { context, page, requested, console } = await readerContext(javaScriptEnabled, width);
      const view = `${width} px, JavaScript ${javaScriptEnabled ? "on" : "off"}`;
      await page.goto(allowed.origin);
      const frame = page.frameLocator("#fighting-fund-appeal");
      await frame.getByRole("heading", { level: 1, name: "Keep independent journalism free to read" }).waitFor();
      await frame.getByRole("heading", { name: /raised of \$250,000/ }).waitFor();
      if (javaScriptEnabled) {
        // The block told the page its height and the snippet sized the frame to it: all of it shows.
        await page.waitForFunction(() => document.getElementById("fighting-fund-appeal")!.style.height.endsWith("px"));
        const sizes = await page.evaluate(() => {
          const iframe = document.getElementById("fighting-fund-appeal") as HTMLIFrameElement;
          return { frame: iframe.getBoundingClientRect().height, width: iframe.getBoundingClientRect().width };
        });
        expect(sizes.width, view).toBe(300);
        const content = await frame.locator(".embed").evaluate((el) => el.getBoundingClientRect().height);
        expect(Math.abs(sizes.frame - Math.ceil(content)), `${view}: the frame is as tall as the block`).toBeLessThan(
          2,
        );
      }
      expect(await context.cookies(), `${view}: no cookie from the block or anyone`).toEqual([]);

      await frame.getByRole("radio", { name: "Monthly", exact: true }).check();
      await frame.getByRole("radio", { name: "$50", exact: true }).check();
      const button = frame.getByRole("button", { name: "Give $50 a month" });
      await button.click();
      // The reader's own window goes to our donate page, Checkout is never in the frame.
      await page.waitForURL(`${app.server.origin}/c/${SLUG}?frequency=monthly&amount=5000#donate-heading`);
      expect(await page.locator("#frequency-monthly").isChecked(), view).toBe(true);
      expect(await page.locator("#amount-5000").isChecked(), view).toBe(true);
      expect(page.frames(), view).toHaveLength(1);

      expect(thirdParties(requested), view).toEqual([]);
      expect(
        console.filter((m) => m.type() === "error").map((m) => m.text()),
        `${view}: no errors, no CSP violation`,
      ).toEqual([]);
      await context.close();
    }
  });

  it("from a site that is not listed, the browser refuses to frame it", async () => {
    const { context, page, console } = await readerContext(true, 1280);
    await page.goto(other.origin);
    await expect
      .poll(() => console.map((m) => m.text()).find((text) => /frame-ancestors/.test(text)))
      .toMatch(new RegExp(`'${app.server.origin}/'.* violates .*"frame-ancestors ${allowed.origin}".*blocked`, "s"));
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(framed, "the frame is there").toBeDefined();
    expect(await framed!.locator(".embed").count(), "but none of the block is in it").toBe(0);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it("the block alone passes axe and fits at 360 px and 1280 px", async () => {
    const { context, page } = await readerContext(true, 360);
    await page.goto(`${app.server.origin}/embed/${SLUG}`);
    await auditBothWidths(page as Page, { axe: true });
    await (context as BrowserContext).close();
  });
});
