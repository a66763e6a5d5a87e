// A reader in Russian (ADR 049): chooses the language with the switcher, gives an amount typed the
// Russian way through the simulated checkout, and reads the thank-you page in Russian; at 360 px
// with and without JavaScript, on one server. Screenshots (FF_SHOTS) at 360 and 1280 px.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { CHECKOUT_URL, horizontalOverflow, THANKS_URL } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

async function fitsAndShoot(page: Page, name: string) {
  expect((await horizontalOverflow(page)).widest, `${name}: no sideways scroll`).toEqual([]);
  if (process.env.FF_SHOTS)
    await page.screenshot({ path: `${process.env.FF_SHOTS}/russian-${name}.png`, fullPage: true });
}

describe("a reader who reads Russian", () => {
  for (const javaScriptEnabled of [false, true]) {
    const how = javaScriptEnabled ? "with JavaScript" : "without JavaScript";
    it(`chooses Russian, gives "30,50" and is thanked in Russian (360 px, ${how})`, async () => {
      // An English browser: the switcher, not Accept-Language, makes the page Russian.
      await app.withPage(
        { viewport: { width: 360, height: 800 }, javaScriptEnabled, locale: "en-GB" },
        async (page) => {
          await page.goto("/");
          expect(await page.locator("html").getAttribute("lang")).toBe("en");
          const switcher = page.getByRole("navigation", { name: "Language" });
          await switcher.getByRole("link", { name: "Русский" }).click();
          await page.waitForURL((url) => url.pathname === "/");
          expect(await page.locator("html").getAttribute("lang")).toBe("ru");
          await page.getByRole("navigation", { name: "Язык" }).waitFor();
          await expect.poll(() => page.getByRole("region", { name: /^Собрано / }).count()).toBe(1);
          await fitsAndShoot(page, `campaign-360-${javaScriptEnabled ? "js" : "nojs"}`);

          await page.getByRole("radio", { name: "Один раз", exact: true }).check();
          await page.getByRole("radio", { name: "Другая", exact: true }).check();
          await page.getByLabel(/^Ваша сумма/).fill("30,50");
          await page.getByLabel("Электронная почта", { exact: true }).fill(`ru-${javaScriptEnabled}@example.net`);
          const give = page.getByRole("button", { name: /^Пожертвовать/ });
          // With JavaScript the button states the typed amount the Russian way.
          if (javaScriptEnabled) await expect.poll(() => give.innerText()).toMatch(/30,50\s\$/);
          await give.click();
          await page.waitForURL(CHECKOUT_URL);
          await page.getByRole("heading", { level: 1, name: "Подтвердите платёж" }).waitFor();
          await fitsAndShoot(page, `checkout-360-${javaScriptEnabled ? "js" : "nojs"}`);
          await page.getByRole("button", { name: /^Оплатить 30,50\s\$/ }).click();
          await page.waitForURL(THANKS_URL);
          await page.getByRole("heading", { level: 1, name: "Спасибо — ваш платёж подтверждён" }).waitFor();
          const text = (await page.locator("main").innerText()).replace(/\s+/g, " ");
          expect(text).toMatch(/Мы записали 30,50\s\$/);
          expect(text).toContain("Квитанция уже в пути на вашу почту.");
          await fitsAndShoot(page, `thanks-360-${javaScriptEnabled ? "js" : "nojs"}`);

          if (javaScriptEnabled) {
            // The same pages in Russian at 1280 px, and back to English with the switcher.
            await page.setViewportSize({ width: 1280, height: 800 });
            await fitsAndShoot(page, "thanks-1280");
            await page.goto("/");
            await fitsAndShoot(page, "campaign-1280");
            await page.getByRole("navigation", { name: "Язык" }).getByRole("link", { name: "English" }).click();
            await page.getByRole("navigation", { name: "Language" }).waitFor();
            expect(await page.locator("html").getAttribute("lang")).toBe("en");
          }
        },
      );
    });
  }
});
