import { intlLocale } from "~/i18n/locales";
import { estimateCardFee, formatMoney, parseAmount } from "~/money";
import {
  clearSolution,
  MAX_AUTOMATIC_SUBMITS,
  powProgress,
  putSolution,
  solveWithWebCrypto,
} from "./ProofOfWorkSolver";

/**
 * Each automatic submission loads a new page, so they are counted in the tab's session storage;
 * the person's own submission starts the count again. Without storage, nothing is sent
 * automatically and the server's message stands.
 */
const STORAGE_KEY = "fighting-fund:pow-automatic-submits";
const automaticSubmits = {
  count(): number {
    try {
      return Number(sessionStorage.getItem(STORAGE_KEY) ?? 0);
    } catch {
      return MAX_AUTOMATIC_SUBMITS;
    }
  },
  add() {
    try {
      sessionStorage.setItem(STORAGE_KEY, String(this.count() + 1));
    } catch {
      // Counted as exhausted already.
    }
  },
  reset() {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Nothing stored.
    }
  },
};

/**
 * What JavaScript adds to the donate form, which works completely without it (DonateForm.tsx;
 * the campaign page is not hydrated, see docs/decisions/019-javascript-weight-on-the-campaign-page.md):
 * - the button and the fee label state a typed-in amount exactly ("Give $37 now", "Give $37.95 now"
 *   with the card fees covered);
 * - a preset clears the typed amount, and focusing "Your amount" picks "Other";
 * - a sent form says so and cannot be sent twice;
 * - after a refused submission, focus goes to the list of problems;
 * - past the checkout limits, the browser check is solved and the form sent again (ADR 011).
 * Plain DOM, no React: the page's own script runs it, and DonateForm's effect too when React
 * renders the form (a client-side navigation from a hydrated page). Returns a cleanup.
 */
export function enhanceDonateForm(form: HTMLFormElement): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  const currency = form.dataset.currency ?? "";
  // The page's language (ADR 049): amounts are read and written its way ("1 000,50 €").
  const locale = form.dataset.locale || document.documentElement.lang || "en";
  const fee = { percentBps: Number(form.dataset.feePercentBps), fixedMinor: Number(form.dataset.feeFixedMinor) };
  const customAmount = form.querySelector<HTMLInputElement>("#customAmount");
  const customRadio = form.querySelector<HTMLInputElement>("#amount-custom");
  const button = form.querySelector<HTMLButtonElement>(".give-button");

  // Wording for "your amount" that the server filled in with "{amount}" left to fill here.
  const worded = [...form.querySelectorAll<HTMLElement>("[data-amount-template]")].map((element) => ({
    element,
    template: element.dataset.amountTemplate ?? "",
    of: element.dataset.amountOf,
    fallback: element.textContent ?? "",
  }));
  const showTypedAmount = () => {
    const parsed = customAmount ? parseAmount(customAmount.value, locale, currency) : null;
    for (const { element, template, of, fallback } of worded) {
      // "fee": the card fee alone; "total": the amount with the fee covered (ADR 040).
      const minor = parsed?.ok
        ? of === "fee"
          ? estimateCardFee(parsed.amountMinor, fee)
          : of === "total"
            ? parsed.amountMinor + estimateCardFee(parsed.amountMinor, fee)
            : parsed.amountMinor
        : null;
      const text =
        minor === null ? fallback : template.replace("{amount}", formatMoney(minor, currency, intlLocale(locale)));
      if (element.textContent !== text) element.textContent = text;
    }
  };

  form.addEventListener("input", (event) => event.target === customAmount && showTypedAmount(), { signal });
  form.addEventListener(
    "change",
    (event) => {
      const input = event.target as HTMLInputElement;
      if (input.name !== "amount" || input.value === "custom" || !customAmount) return;
      customAmount.value = "";
      showTypedAmount();
    },
    { signal },
  );
  customAmount?.addEventListener("focus", () => customRadio && (customRadio.checked = true), { signal });

  let automatic = false;
  form.addEventListener(
    "submit",
    () => {
      if (!automatic) automaticSubmits.reset();
      form.dataset.submitting = "";
      // Disabled after this event, so the press that sent the form still counts as its submitter.
      setTimeout(() => button && (button.disabled = true));
    },
    { signal },
  );
  const ready = () => {
    automatic = false;
    delete form.dataset.submitting;
    if (button) button.disabled = false;
    clearSolution(form);
    showTypedAmount();
  };
  // Back from the payment page, the browser may show this page as it was left: sent.
  window.addEventListener("pageshow", (event) => event.persisted && ready(), { signal });
  ready();

  const summary = form.querySelector<HTMLElement>(".error-summary");
  const challenge = form.dataset.powChallenge;
  const status = form.querySelector<HTMLElement>("[data-pow-status]");
  // This browser can do the check past the limits: it asks for that, not for the wait (ADR 045).
  const noJavaScript = form.querySelector<HTMLInputElement>("input[data-nojs]");
  if (noJavaScript) noJavaScript.disabled = Boolean(globalThis.crypto?.subtle);
  if (challenge && status && globalThis.crypto?.subtle && automaticSubmits.count() < MAX_AUTOMATIC_SUBMITS) {
    // The server's "try again in N minutes" is for browsers that cannot do the check.
    if (summary) summary.hidden = true;
    status.hidden = false;
    status.scrollIntoView?.({ block: "center" });
    const bar = status.querySelector("progress");
    const difficulty = Number(form.dataset.powDifficulty);
    void solveWithWebCrypto(challenge, difficulty, {
      signal,
      onProgress: (tries) => bar && (bar.value = Math.round(powProgress(tries, difficulty) * 100)),
    }).then((nonce) => {
      if (signal.aborted) return;
      if (nonce === null) {
        status.hidden = true;
        if (summary) summary.hidden = false;
        return;
      }
      const text = status.querySelector<HTMLElement>("[data-pow-text]");
      if (text) text.textContent = text.dataset.powSending ?? "";
      if (bar) bar.value = 100;
      putSolution(form, challenge, nonce);
      automaticSubmits.add();
      automatic = true;
      form.requestSubmit();
    });
  } else {
    summary?.focus();
  }

  form.dataset.enhanced = "";
  return () => {
    controller.abort();
    delete form.dataset.enhanced;
  };
}
