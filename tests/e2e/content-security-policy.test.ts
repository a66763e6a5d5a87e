// The Content-Security-Policy in a real browser (ADR 010): pages hydrate under it, an injected
// inline script does not run, and the browser-test harness fails a test on any violation, since a
// violation would otherwise break hydration silently.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

describe("the Content-Security-Policy in a browser", () => {
  it("pages hydrate and navigate on the client under it", async () => {
    await app.withPage({}, async (page) => {
      // The campaign page is sent without React (ADR 019): start from a hydrated page.
      await page.goto("/support");
      await waitForHydration(page);
      await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
      // A client-side transition: Remix fetches data and route modules, React renders new elements.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Give" }).click();
      await page.waitForURL(/\/$/);
      await page.locator(".donate-form[data-enhanced]").waitFor();
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    });
  });

  it("an injected inline script does not run, and the harness fails the test that met it", async () => {
    let ran: unknown;
    const run = app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      ran = await page.evaluate(async () => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.append(script);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return (window as unknown as { __injected?: boolean }).__injected ?? false;
      });
    });
    await expect(run).rejects.toThrow(/CSP violation: script-src(-elem)? blocked/);
    expect(ran).toBe(false);
  });
});
