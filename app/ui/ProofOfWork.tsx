import { useEffect, useRef, useState } from "react";
import { t } from "~/i18n/t";
import { powProgress, solveWithWebCrypto, type PowChallenge } from "./ProofOfWorkSolver";

/**
 * The browser check that stands in for a captcha (docs/decisions/011-proof-of-work.md). When a
 * checkout form comes back with a challenge, this solves it with WebCrypto, says so while it
 * works, and sends the form again with the solution. Bundled code in an effect, never an inline
 * script. Without JavaScript nothing runs: the form shows the server's message instead, which
 * says when to try again.
 */

type Props = {
  challenge: PowChallenge | undefined;
  /** The server's message, shown if the check cannot run here (or keeps failing). */
  message: string | undefined;
  /** A selector for the form, when this is not rendered inside it. */
  form?: string;
};

// A page re-submits by itself this many times; after that the person decides (a connection
// whose address keeps changing would otherwise loop).
const MAX_AUTOMATIC_SUBMITS = 3;
let automaticSubmits = 0;

const FIELDS = ["powChallenge", "powNonce"] as const;

function setHiddenField(form: HTMLFormElement, name: string, value: string) {
  let input = form.querySelector<HTMLInputElement>(`input[type=hidden][name=${name}]`);
  if (!input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    form.append(input);
  }
  input.value = value;
}

/** True once React runs in the browser (a challenge is solved only there). */
export function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

export function ProofOfWork({ challenge, message, form }: Props) {
  const anchor = useRef<HTMLSpanElement>(null);
  const status = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"idle" | "working" | "sending" | "unavailable">("idle");
  const [progress, setProgress] = useState(0);

  useEffect(() => {
    const target = form ? document.querySelector<HTMLFormElement>(form) : anchor.current?.closest("form");
    // An old solution must not ride along with the next submission.
    if (target) for (const name of FIELDS) target.querySelector(`input[type=hidden][name=${name}]`)?.remove();
    if (!challenge) {
      setState("idle");
      return;
    }
    if (!target || !globalThis.crypto?.subtle || automaticSubmits >= MAX_AUTOMATIC_SUBMITS) {
      setState("unavailable");
      return;
    }
    const controller = new AbortController();
    setState("working");
    setProgress(0);
    void solveWithWebCrypto(challenge.challenge, challenge.difficulty, {
      signal: controller.signal,
      onProgress: (tries) => setProgress(powProgress(tries, challenge.difficulty)),
    }).then((nonce) => {
      if (nonce === null || controller.signal.aborted) return;
      setHiddenField(target, "powChallenge", challenge.challenge);
      setHiddenField(target, "powNonce", nonce);
      automaticSubmits += 1;
      setState("sending");
      target.requestSubmit();
    });
    return () => controller.abort();
  }, [challenge, form]);

  // The person pressed a button further down: bring what is happening into view.
  const working = state === "working";
  useEffect(() => {
    if (working) status.current?.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }, [working]);

  return (
    <>
      <span ref={anchor} hidden />
      {state === "working" || state === "sending" ? (
        <div className="pow-status" role="status" aria-live="polite" ref={status}>
          <p>
            <span className="spinner" aria-hidden="true" /> {state === "sending" ? t("pow.checked") : t("pow.checking")}
          </p>
          <progress max={100} value={state === "sending" ? 100 : Math.round(progress * 100)} aria-label={t("pow.checking")} style={{ width: "100%" }} />
          <p className="hint">{t("pow.why")}</p>
        </div>
      ) : state === "unavailable" && message ? (
        <p className="error-summary" role="alert">
          <strong>{message}</strong>
        </p>
      ) : null}
    </>
  );
}
