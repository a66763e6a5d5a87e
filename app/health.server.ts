/**
 * Remembers recent failures of real calls to outside services, so /healthz can say that Stripe
 * or Resend is failing without ever calling them itself. Per process, on purpose: it describes
 * what this process has seen.
 */
const RECENT_MS = 5 * 60_000;
const lastFailure = new Map<"stripe" | "resend", { at: number; message: string }>();

export function reportServiceFailure(service: "stripe" | "resend", error: unknown) {
  lastFailure.set(service, { at: Date.now(), message: error instanceof Error ? error.message : String(error) });
}

export function reportServiceSuccess(service: "stripe" | "resend") {
  lastFailure.delete(service);
}

export function recentServiceFailure(service: "stripe" | "resend"): string | null {
  const failure = lastFailure.get(service);
  if (!failure || Date.now() - failure.at > RECENT_MS) return null;
  return failure.message;
}

/**
 * Readiness, apart from liveness (/healthz): server.mjs marks the process as draining when
 * SIGTERM arrives, and /readyz then answers 503 so that a load balancer sends new requests to
 * the other servers while this one finishes what it has (ADR 028).
 */
let draining = false;

export function markDraining() {
  draining = true;
}

export function isDraining(): boolean {
  return draining;
}
