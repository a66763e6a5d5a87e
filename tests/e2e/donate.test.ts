// The giving journeys in a real browser against the built app: one server with a fresh
// database for this file, simulated payments and the dev mailbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import {
  CHECKOUT_URL,
  completeGift,
  finishCheckout,
  giveButton,
  horizontalOverflow,
  openMail,
  readProgress,
  submitGift,
  THANKS_URL,
} from "./flows";

requireChromium();

let app: E2E;
/** A paid checkout from the first test, so later ones need not pay again (they do when run alone). */
let confirmedRef: string | undefined;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

describe("giving in a browser", () => {
  it("a one-off $25 gift with JavaScript: button wording, simulated payment, thanks, receipt email and campaign total", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      const before = await readProgress(page);
      expect(before).toEqual({ raised: "$0 raised of $250,000", supporters: "0 supporters" });

      await page.getByRole("radio", { name: "$25", exact: true }).check();
      await page.getByLabel("Your name", { exact: true }).fill("Rosa Reader");
      await page.getByLabel("Email", { exact: true }).fill("rosa@example.net");
      await expect.poll(() => giveButton(page).innerText()).toBe("Give $25 now");
      await page.getByRole("radio", { name: "Monthly", exact: true }).check();
      await expect.poll(() => giveButton(page).innerText()).toBe("Give $25 every month");
      await page.getByRole("radio", { name: "Once", exact: true }).check();
      await expect.poll(() => giveButton(page).innerText()).toBe("Give $25 now");

      await giveButton(page).click();
      await page.waitForURL(CHECKOUT_URL);
      const checkoutId = CHECKOUT_URL.exec(page.url())![1];
      // A client-side transition: wait for the checkout page to render before reading it.
      await page.getByRole("note").filter({ hasText: "Test checkout — no money moves" }).waitFor({ state: "visible" });
      expect(await page.locator("dl.summary").innerText()).toMatch(/Amount\s+\$25 AUD/);

      const ref = await finishCheckout(page, "Pay");
      expect(ref).toBe(checkoutId);
      await page.getByRole("heading", { level: 1, name: "Thank you — your payment is confirmed" }).waitFor();
      const thanks = await page.locator("main").innerText();
      expect(thanks).toContain("We have recorded $25 for Fighting Fund 2026.");
      confirmedRef = ref;
      const receiptNumber = /Receipt number: (\d+)/.exec(thanks)?.[1];
      expect(receiptNumber, thanks).toBeDefined();

      const mail = await openMail(page, {
        to: "rosa@example.net",
        subject: new RegExp(`^Your receipt ${receiptNumber} from `),
      });
      expect(mail.subject).toBe(`Your receipt ${receiptNumber} from Fighting Fund Demo Press`);
      expect(mail.to).toBe("rosa@example.net");
      for (const body of [mail.html, mail.text]) {
        expect(body).toMatch(new RegExp(`Receipt number\\s+${receiptNumber}\\b`));
        expect(body).toMatch(/Amount\s+\$25 AUD/);
        expect(body).toContain("Your gift of $25 AUD to Fighting Fund 2026 has arrived.");
      }

      await page.goto("/");
      expect(await readProgress(page)).toEqual({ raised: "$25 raised of $250,000", supporters: "1 supporter" });
    });
  });

  it("the same gift without JavaScript: the button follows the radios through CSS, and plain posts redirect to the thanks page", async () => {
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto("/");
      const button = giveButton(page);
      expect(await button.innerText()).toBe("Give $50 now");

      await page.getByRole("radio", { name: "Monthly", exact: true }).check();
      await page.getByRole("radio", { name: "$100", exact: true }).check();
      expect(await button.innerText()).toBe("Give $100 every month");
      expect(await button.getByText("Give $100 every month", { exact: true }).isVisible()).toBe(true);
      expect(await button.getByText("Give $100 now", { exact: true }).isVisible()).toBe(false);
      expect(await button.getByText("Give $50 now", { exact: true }).isVisible()).toBe(false);
      expect(await page.getByText("Add $2.05 to cover card fees", { exact: true }).isVisible()).toBe(true);

      await page.getByRole("radio", { name: "Once", exact: true }).check();
      await page.getByRole("radio", { name: "$25", exact: true }).check();
      expect(await button.innerText()).toBe("Give $25 now");
      await page.getByLabel("Your name", { exact: true }).fill("Nadia Noscript");
      await page.getByLabel("Email", { exact: true }).fill("nadia@example.net");

      const post = page.waitForRequest(
        (request) => request.method() === "POST" && new URL(request.url()).search === "?index",
      );
      await button.click();
      await page.waitForURL(CHECKOUT_URL);
      const donatePost = await post;
      expect((await donatePost.response())?.status()).toBe(303);
      expect(await (await donatePost.response())?.headerValue("location")).toMatch(CHECKOUT_URL);

      const payPost = page.waitForRequest((request) => request.method() === "POST" && CHECKOUT_URL.test(request.url()));
      await page.getByRole("button", { name: /^Pay \$25/ }).click();
      await page.waitForURL(THANKS_URL);
      expect((await (await payPost).response())?.status()).toBe(303);
      // Confirmation may lag the redirect: without JavaScript the page refreshes itself.
      await page
        .getByRole("heading", { level: 1, name: "Thank you — your payment is confirmed" })
        .waitFor({ timeout: 10_000 });
      expect(await page.locator("main").innerText()).toContain("We have recorded $25 for Fighting Fund 2026.");
    });
  });

  it("a print supporter pays through the simulated checkout with a postal address and is welcomed by email with it", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/support");
      await waitForHydration(page);
      await page.getByRole("radio", { name: /^Print supporter \$10 a month/ }).check();
      await page.getByLabel("Your name", { exact: true }).fill("Pat Printreader");
      await page.getByLabel("Email", { exact: true }).fill("pat@example.net");
      const pay = page.getByRole("button", { name: /^Pay / });
      await expect.poll(() => pay.innerText()).toBe("Pay $10 every month");
      await pay.click();
      await page.waitForURL(CHECKOUT_URL);

      const address = page.getByRole("group", { name: "Postal address for your print edition" });
      await address.getByLabel("Street address").fill("1 Printers Lane");
      await address.getByLabel("Town or city").fill("Fitzroy");
      await address.getByLabel("State (optional)").fill("VIC");
      await address.getByLabel("Postcode").fill("3065");
      expect(await address.getByLabel("Country code").inputValue()).toBe("AU");
      await page.getByRole("button", { name: "Pay $10 every month (test)" }).click();
      await page.waitForURL(THANKS_URL);
      await page.getByRole("heading", { level: 1, name: "Thank you — your payment is confirmed" }).waitFor();
      expect(await page.locator("main").innerText()).toContain("We have recorded $10 for Print supporter.");

      const mail = await openMail(page, { to: "pat@example.net", subject: /^Welcome to .*: Print supporter$/ });
      expect(mail.subject).toBe("Welcome to Fighting Fund Demo Press: Print supporter");
      for (const body of [mail.html, mail.text]) {
        expect(body).toContain("Where we post your print edition");
        expect(body).toMatch(/Pat Printreader\s+1 Printers Lane\s+Fitzroy VIC 3065\s+AU/);
      }
    });
  });

  it("without JavaScript, an amount that is not a number re-renders the form with the error by the field and keeps what was typed", async () => {
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      const visited: string[] = [];
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) visited.push(frame.url());
      });
      await page.goto("/");
      await page.getByRole("radio", { name: "Other", exact: true }).check();
      const amount = page.getByLabel("Your amount (AUD)", { exact: true });
      await amount.fill("abc");
      await page.getByLabel("Email", { exact: true }).fill("typo@example.net");
      await page.getByLabel("Your name", { exact: true }).fill("Tess Typo");

      const post = page.waitForResponse((response) => response.request().method() === "POST");
      await giveButton(page).click();
      expect((await post).status()).toBe(400);
      await page.waitForLoadState();

      expect(await amount.getAttribute("aria-invalid")).toBe("true");
      const describedBy = (await amount.getAttribute("aria-describedby"))?.split(" ") ?? [];
      expect(describedBy).toContain("customAmount-error");
      const error = page.locator("#customAmount-error");
      expect((await error.innerText()).trim()).toBe("Enter an amount in numbers, like 25 or 25.50.");
      // The error sits in the same field as the input it is about.
      expect(await page.locator(".field", { has: amount }).locator("#customAmount-error").count()).toBe(1);
      expect(await page.getByRole("alert").innerText()).toContain(
        "Your amount: Enter an amount in numbers, like 25 or 25.50.",
      );

      expect(await amount.inputValue()).toBe("abc");
      expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("typo@example.net");
      expect(await page.getByLabel("Your name", { exact: true }).inputValue()).toBe("Tess Typo");
      expect(await page.getByRole("radio", { name: "Other", exact: true }).isChecked()).toBe(true);
      expect(
        visited.some((url) => CHECKOUT_URL.test(url)),
        visited.join("\n"),
      ).toBe(false);
    });
  });

  it("a declined payment says it didn't go through and offers to try again", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      await submitGift(page, { amount: "$50", email: "declined@example.net" });
      const ref = await finishCheckout(page, "Decline");
      await page.getByRole("heading", { level: 1, name: "Your payment didn't go through" }).waitFor();
      expect(await page.locator("main").innerText()).toContain("Nothing was charged.");
      const tryAgain = page.getByRole("link", { name: "Try again" });
      // The gift's own form, naming the declined checkout so it comes back filled in (ADR 040).
      expect(await tryAgain.getAttribute("href")).toBe(`/c/fighting-fund-2026?retry=${ref}`);
      await tryAgain.click();
      await page.waitForURL(new RegExp(`/c/fighting-fund-2026\\?retry=${ref}$`));
      await giveButton(page).waitFor();
    });
  });

  it("at 360 px wide the pages never scroll sideways", async () => {
    let ref = confirmedRef ?? "";
    if (!ref) {
      await app.withPage({ javaScriptEnabled: false }, async (page) => {
        ref = await completeGift(page, { amount: "$25", email: "narrow@example.net" });
      });
    }
    await app.withPage({ viewport: { width: 360, height: 740 } }, async (page) => {
      for (const path of ["/", "/support", `/thanks?ref=${ref}`]) {
        await page.goto(path);
        await waitForHydration(page);
        const overflow = await horizontalOverflow(page);
        expect(
          overflow.scrollWidth,
          `${path} is ${overflow.scrollWidth}px wide: ${overflow.widest.join(", ")}`,
        ).toBeLessThanOrEqual(360);
      }
    });
  });
});
