// The campaign page is sent without React (ADR 019): its own small script does what a reader
// needs JavaScript for. In a real browser against the built app, with an easy proof of work and
// an email limit of one checkout, so the browser check can be met on purpose.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { CHECKOUT_URL, giveButton } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E({
    env: { CHECKOUT_LIMIT_PER_EMAIL: "1", POW_DIFFICULTY_BITS: "8", POW_MAX_DIFFICULTY_BITS: "8" },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const customAmount = (page: Page) => page.getByLabel("Your amount (AUD)", { exact: true });
const feeLabel = (page: Page) => page.locator("label[for=coverFees]");

/** Fills the form with a preset gift; the email decides the limit it counts against. */
async function fillGift(page: Page, email: string) {
  await page.getByRole("radio", { name: "$25", exact: true }).check();
  await page.getByLabel("Email", { exact: true }).fill(email);
}

/** One checkout with this email: the next one needs the browser check. */
async function useUpEmailLimit(page: Page, email: string) {
  await page.goto("/");
  await fillGift(page, email);
  await giveButton(page).click();
  await page.waitForURL(CHECKOUT_URL);
}

describe("the campaign page's own script", () => {
  it("runs without React or the Remix runtime, under the Content-Security-Policy", async () => {
    await app.withPage({}, async (page) => {
      const scripts: string[] = [];
      page.on(
        "request",
        (request) => request.resourceType() === "script" && scripts.push(new URL(request.url()).pathname),
      );
      await page.goto("/");
      await waitForHydration(page);
      expect(
        scripts.some((url) => /\/build\/campaign-page-script-\w+\.js$/.test(url)),
        scripts.join("\n"),
      ).toBe(true);
      expect(
        scripts.some((url) => url.includes("entry.client")),
        scripts.join("\n"),
      ).toBe(false);
      const react = await page.evaluate(() =>
        Object.keys(document.querySelector(".site-footer")!).some((key) => key.startsWith("__react")),
      );
      expect(react).toBe(false);
    });
  });

  it("states a typed amount exactly on the button and the fee label, and a preset clears it", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      // Focusing "Your amount" picks "Other".
      await customAmount(page).fill("37.50");
      expect(await page.getByRole("radio", { name: "Other", exact: true }).isChecked()).toBe(true);
      await expect.poll(() => giveButton(page).innerText()).toBe("Give $37.50 now");
      // 1.75% + 30c of $37.50, rounded up.
      expect(await feeLabel(page).innerText()).toBe("Add $0.96 to cover card fees");
      await page.getByRole("radio", { name: "Monthly", exact: true }).check();
      expect(await giveButton(page).innerText()).toBe("Give $37.50 every month");

      await customAmount(page).fill("abc");
      expect(await giveButton(page).innerText()).toBe("Give your amount every month");

      await customAmount(page).fill("40");
      await page.getByRole("radio", { name: "$100", exact: true }).check();
      expect(await customAmount(page).inputValue()).toBe("");
      expect(await giveButton(page).innerText()).toBe("Give $100 every month");
    });
  });

  it("after a refused submission, focus is on the list of problems", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      await page.getByLabel("Email", { exact: true }).fill("not-an-email");
      await giveButton(page).click();
      await page.getByRole("alert").waitFor();
      await waitForHydration(page);
      expect(await page.evaluate(() => document.activeElement?.className)).toBe("error-summary");
      expect(await page.getByLabel("Email", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    });
  });

  it("a sent form says so and cannot be sent twice", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      await fillGift(page, "patient@example.net");
      const posts: string[] = [];
      page.on("request", (request) => request.method() === "POST" && posts.push(request.url()));
      // What the button shows once the form is on its way, reported from the page (it is gone
      // once the answer arrives), after which the page presses it again.
      let report: (seen: { text: string; disabled: boolean }) => void = () => {};
      const seen = new Promise<{ text: string; disabled: boolean }>((resolve) => (report = resolve));
      await page.exposeBinding("__reportButton", (_source, state: { text: string; disabled: boolean }) =>
        report(state),
      );
      await page.evaluate(() => {
        const form = document.querySelector<HTMLFormElement>("form.donate-form")!;
        const button = form.querySelector<HTMLButtonElement>(".give-button")!;
        form.addEventListener("submit", () =>
          setTimeout(() => {
            (window as unknown as { __reportButton: (state: object) => void }).__reportButton({
              text: button.innerText,
              disabled: button.disabled,
            });
            button.click();
          }),
        );
      });
      await giveButton(page).click();
      expect(await seen).toEqual({ text: "Taking you to payment…", disabled: true });
      await page.waitForURL(CHECKOUT_URL);
      expect(posts).toHaveLength(1);
    });
  });

  it("past the checkout limits, the browser check runs, shows its progress and sends the form again by itself", async () => {
    await app.withPage({}, async (page) => {
      const email = "often@example.net";
      await useUpEmailLimit(page, email);
      // What the check shows, reported from the page as it changes.
      const states: string[] = [];
      await page.exposeBinding("__reportCheck", (_source, state: string) => void states.push(state));
      await page.addInitScript(() => {
        const report = () => {
          const status = document.querySelector<HTMLElement>("[data-pow-status]");
          const summary = document.querySelector<HTMLElement>(".error-summary");
          if (!status) return;
          (window as unknown as { __reportCheck: (state: string) => void }).__reportCheck(
            `${status.hidden ? "hidden" : "shown"}, ${status.querySelector("progress")?.value}%: ${status.querySelector("[data-pow-text]")?.textContent}; server's message ${summary?.hidden ? "hidden" : "shown"}`,
          );
        };
        new MutationObserver(report).observe(document, {
          attributes: true,
          subtree: true,
          characterData: true,
          childList: true,
        });
      });
      const proofs: string[] = [];
      page.on("request", (request) => {
        const body = new URLSearchParams(request.postData() ?? "");
        if (request.method() === "POST" && body.get("powNonce")) proofs.push(body.get("powNonce")!);
      });
      await page.goto("/");
      await waitForHydration(page);
      await fillGift(page, email);
      const refused = page.waitForResponse(
        (response) => response.request().method() === "POST" && response.status() === 429,
      );
      await giveButton(page).click();
      await refused;
      await page.waitForURL(CHECKOUT_URL);
      expect(proofs).toHaveLength(1);
      expect(states).toContain("shown, 0%: Checking your browser… this takes a few seconds.; server's message hidden");
      expect(states.at(-1)).toBe("shown, 100%: Thanks — taking you to payment…; server's message hidden");
    });
  });

  it("after three automatic submissions in a row, the page stops and shows the server's message", async () => {
    await app.withPage({}, async (page) => {
      const email = "persistent@example.net";
      await useUpEmailLimit(page, email);
      // As if every page load had been one of the page's own submissions.
      await page.addInitScript(() => sessionStorage.setItem("fighting-fund:pow-automatic-submits", "3"));
      await page.goto("/");
      await waitForHydration(page);
      await fillGift(page, email);
      await giveButton(page).click();
      await page.getByRole("alert").waitFor();
      expect(await page.getByRole("alert").innerText()).toMatch(
        /^Too many attempts have been made with this email address/,
      );
      expect(await page.getByRole("status").count()).toBe(0);
      expect(new URL(page.url()).pathname).toBe("/");
    });
  });
});
