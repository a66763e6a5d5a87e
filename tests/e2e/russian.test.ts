// A reader in Russian (ADR 049): chooses the language with the switcher, opens the exiled newsroom's
// appeal in euros, looks at the amounts in dollars and back (ADR 050), gives in euros through the
// simulated checkout, reads the thank-you page, the receipt email and, signed in, the annual
// statement in Russian; at 360 px with and without JavaScript, on one server. Screenshots
// (FF_SHOTS) at 360 and 1280 px.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { CHECKOUT_URL, horizontalOverflow, openMail, THANKS_URL } from "./flows";

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

const CAMPAIGN = "/c/svobodnye-novosti";
const plain = (text: string) => text.replace(/\s+/g, " ");

describe("a reader who reads Russian", () => {
  for (const javaScriptEnabled of [false, true]) {
    const how = javaScriptEnabled ? "with JavaScript" : "without JavaScript";
    const shot = (name: string) => `${name}-360-${javaScriptEnabled ? "js" : "nojs"}`;
    // Without JavaScript the server reads an amount typed the Russian way; with it, the button
    // states the typed amount, and the reader then gives a preset instead.
    const shown = javaScriptEnabled ? /25\s€/ : /30,50\s€/;
    it(`chooses Russian, gives in euros, and is thanked, receipted and given a statement in Russian (360 px, ${how})`, async () => {
      const email = `ru-${javaScriptEnabled}@example.net`;
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
          await fitsAndShoot(page, shot("home"));

          // The appeal in euros; the reader looks at the amounts in dollars, then back in euros.
          await page.goto(CAMPAIGN);
          const presets = () => page.locator(".amount-option").allInnerTexts();
          await page.getByRole("combobox", { name: "Валюта", exact: true }).selectOption("USD");
          await page.getByRole("button", { name: "Показать суммы" }).click();
          await page.waitForURL(/[?&]currency=USD/);
          expect((await presets()).slice(0, 4).map(plain)).toEqual(["5 $", "10 $", "25 $", "50 $"]);
          await fitsAndShoot(page, shot("campaign-usd"));
          await page.getByRole("combobox", { name: "Валюта", exact: true }).selectOption("EUR");
          await page.getByRole("button", { name: "Показать суммы" }).click();
          await page.waitForURL(/[?&]currency=EUR/);
          expect((await presets()).slice(0, 4).map(plain)).toEqual(["5 €", "10 €", "25 €", "50 €"]);
          await fitsAndShoot(page, shot("campaign-eur"));

          await page.getByRole("radio", { name: "Один раз", exact: true }).check();
          await page.getByLabel("Электронная почта", { exact: true }).fill(email);
          const give = page.getByRole("button", { name: /^Пожертвовать/ });
          if (javaScriptEnabled) {
            await page.getByRole("radio", { name: "Другая", exact: true }).check();
            await page.getByLabel(/^Ваша сумма/).fill("30,50");
            await expect.poll(() => give.innerText()).toMatch(/30,50\s€/);
            await page.getByRole("radio", { name: /^25\s€$/ }).check();
          } else {
            await page.getByRole("radio", { name: "Другая", exact: true }).check();
            await page.getByLabel(/^Ваша сумма/).fill("30,50");
          }
          await give.click();
          await page.waitForURL(CHECKOUT_URL);
          await page.getByRole("heading", { level: 1, name: "Подтвердите платёж" }).waitFor();
          await fitsAndShoot(page, shot("checkout"));
          await page.getByRole("button", { name: /^Оплатить / }).click();
          await page.waitForURL(THANKS_URL);
          await page.getByRole("heading", { level: 1, name: "Спасибо — ваш платёж подтверждён" }).waitFor();
          const text = plain(await page.locator("main").innerText());
          expect(text).toMatch(new RegExp(`Мы записали ${shown.source}`));
          expect(text).toContain("Квитанция уже в пути на вашу почту.");
          await fitsAndShoot(page, shot("thanks"));

          // The receipt, in the language the reader gave in, in the currency paid.
          const receipt = await openMail(page, { to: email, subject: /^Ваша квитанция / });
          expect(plain(receipt.text)).toMatch(
            new RegExp(`Ваше пожертвование ${shown.source} в пользу «Свободные новости» получено`),
          );
          expect(plain(receipt.html)).toMatch(shown);
          await fitsAndShoot(page, shot("receipt"));

          // Signed in, the same supporter's annual statement.
          await page.goto("/account/sign-in");
          await page.getByLabel("Электронная почта", { exact: true }).fill(email);
          await page.getByRole("button", { name: "Прислать ссылку для входа" }).click();
          await page.getByRole("heading", { name: "Проверьте почту" }).waitFor();
          const signInMail = await openMail(page, { to: email, subject: /ссылка для входа/ });
          const link = /\/account\/auth\/[A-Za-z0-9_-]+/.exec(signInMail.text)?.[0];
          expect(link, signInMail.text).toBeDefined();
          await page.goto(link!);
          await page.getByRole("button", { name: "Продолжить" }).click();
          await page.waitForURL(/\/account$/);
          await page.goto("/account/statement");
          await page.getByRole("heading", { level: 1, name: "Ваша годовая справка" }).waitFor();
          expect(await page.locator("html").getAttribute("lang")).toBe("ru");
          const statement = plain(await page.locator("main").innerText());
          // In Russian the symbol names the currency (formatMoneyNamed): no code after "€".
          expect(statement).toMatch(new RegExp(`Разовое пожертвование: Свободные новости ${shown.source}(?! EUR)`));
          expect(statement).toMatch(new RegExp(`Вы пожертвовали ${shown.source} за вычетом возвратов`));
          await fitsAndShoot(page, shot("statement"));

          if (javaScriptEnabled) {
            // Pages in Russian at 1280 px, and back to English with the switcher.
            await page.setViewportSize({ width: 1280, height: 800 });
            await fitsAndShoot(page, "statement-1280");
            await page.goto(CAMPAIGN);
            await fitsAndShoot(page, "campaign-1280");
            await page.getByRole("navigation", { name: "Язык" }).getByRole("link", { name: "English" }).click();
            await page.getByRole("navigation", { name: "Language" }).waitFor();
            expect(await page.locator("html").getAttribute("lang")).toBe("en");
          }
        },
      );
    }, 120_000);
  }
});
