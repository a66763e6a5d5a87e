import { useEffect, useRef, useState, type Ref } from "react";
import { t } from "~/i18n/t";
import {
  clearSolution,
  MAX_AUTOMATIC_SUBMITS,
  powProgress,
  putSolution,
  solveWithWebCrypto,
  type PowChallenge,
} from "./ProofOfWorkSolver";

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

// Counted per page: this form is sent with fetch, so the page outlives its submissions.
let automaticSubmits = 0;

/** True once React runs in the browser (a challenge is solved only there). */
export { useHydrated } from "./use-hydrated";

export function ProofOfWork({ challenge, message, form }: Props) {
  const anchor = useRef<HTMLSpanElement>(null);
  const status = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"idle" | "working" | "sending" | "unavailable">("idle");
  const [progress, setProgress] = useState(0);

  // The solver is an outside process this effect starts, cancels and reports from: its state is
  // set from here on purpose.
  /* eslint-disable react-hooks/set-state-in-effect */
  useEffect(() => {
    const target = form ? document.querySelector<HTMLFormElement>(form) : anchor.current?.closest("form");
    if (target) clearSolution(target);
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
      putSolution(target, challenge.challenge, nonce);
      automaticSubmits += 1;
      setState("sending");
      target.requestSubmit();
    });
    return () => controller.abort();
  }, [challenge, form]);
  /* eslint-enable react-hooks/set-state-in-effect */

  // The person pressed a button further down: bring what is happening into view.
  const working = state === "working";
  useEffect(() => {
    if (working) status.current?.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }, [working]);

  return (
    <>
      <span ref={anchor} hidden />
      {state === "working" || state === "sending" ? (
        <ProofOfWorkStatus sending={state === "sending"} progress={progress} statusRef={status} />
      ) : state === "unavailable" && message ? (
        <p className="error-summary" role="alert">
          <strong>{message}</strong>
        </p>
      ) : null}
    </>
  );
}

/**
 * What a person sees while the check runs. The campaign page renders it hidden and its own script
 * (donate-form-enhancements.ts) shows it and moves the bar: `data-pow-*` mark what that script
 * changes.
 */
export function ProofOfWorkStatus({
  sending = false,
  progress = 0,
  hidden,
  statusRef,
}: {
  sending?: boolean;
  progress?: number;
  hidden?: boolean;
  statusRef?: Ref<HTMLDivElement>;
}) {
  return (
    <div className="pow-status" role="status" aria-live="polite" ref={statusRef} hidden={hidden} data-pow-status="">
      <p>
        <span className="spinner" aria-hidden="true" />{" "}
        <span data-pow-text="" data-pow-sending={t("pow.checked")}>
          {sending ? t("pow.checked") : t("pow.checking")}
        </span>
      </p>
      <progress
        max={100}
        value={sending ? 100 : Math.round(progress * 100)}
        aria-label={t("pow.checking")}
        style={{ width: "100%" }}
      />
      <p className="hint">{t("pow.why")}</p>
    </div>
  );
}
