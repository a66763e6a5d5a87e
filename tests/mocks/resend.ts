import { randomUUID } from "node:crypto";
import { delay, http, HttpResponse } from "msw";

export const RESEND_EMAILS_URL = "https://api.resend.com/emails";

export type ResendRequest = {
  idempotencyKey: string | null;
  authorization: string | null;
  body: { from: string; to: string | string[]; subject: string; html: string; text: string };
};

/** Every request the Resend mock answered, in order: tests count deliveries from here. */
export const resendRequests: ResendRequest[] = [];

export function resetResendRequests() {
  resendRequests.length = 0;
}

async function record(request: Request) {
  resendRequests.push({
    idempotencyKey: request.headers.get("Idempotency-Key"),
    authorization: request.headers.get("Authorization"),
    body: (await request.clone().json()) as ResendRequest["body"],
  });
}

/** Accepts every email, as Resend does, with a fresh message id. */
export function resendAccepts(options: { latencyMs?: number } = {}) {
  return http.post(RESEND_EMAILS_URL, async ({ request }) => {
    await record(request);
    if (options.latencyMs) await delay(options.latencyMs);
    return HttpResponse.json({ id: `re_mock_${randomUUID()}` });
  });
}

const errorNames: Record<number, string> = {
  400: "validation_error",
  401: "missing_api_key",
  403: "invalid_api_key",
  409: "invalid_idempotent_request",
  422: "validation_error",
  429: "rate_limit_exceeded",
  500: "internal_server_error",
  503: "application_error",
};

/** Answers with Resend's error body; `once` lets a later handler (or the default) answer next. */
export function resendFails(
  status: number,
  options: { once?: boolean; name?: string; retryAfterSeconds?: number } = {},
) {
  return http.post(
    RESEND_EMAILS_URL,
    async ({ request }) => {
      await record(request);
      const name = options.name ?? errorNames[status] ?? "application_error";
      const headers: Record<string, string> =
        options.retryAfterSeconds !== undefined ? { "retry-after": String(options.retryAfterSeconds) } : {};
      return HttpResponse.json({ statusCode: status, name, message: `Mock ${name}` }, { status, headers });
    },
    { once: options.once ?? false },
  );
}

/** How the mock answers one request: an HTTP error, a hang (the request may still go through), or acceptance. */
export type ResendAnswer =
  { status: number; retryAfterSeconds?: number } | { hangMs: number; delivered: boolean } | "accept";

/**
 * Resend through an outage, with its idempotency: `answer` decides each request from the
 * message's idempotency key and how many times that key has been asked for. An accepted key is
 * remembered, as Resend does for 24 hours: asking again returns the first message id and sends
 * nothing. `sends` counts what each recipient would actually receive.
 */
export function resendService(answer: (request: { key: string | null; attempt: number }) => ResendAnswer) {
  const attempts = new Map<string, number>();
  const accepted = new Map<string, string>();
  const sends = new Map<string, number>();
  const replays: string[] = [];
  const send = (key: string | null) => {
    const id = `re_mock_${randomUUID()}`;
    if (key) accepted.set(key, id);
    sends.set(key ?? id, (sends.get(key ?? id) ?? 0) + 1);
    return id;
  };
  const handler = http.post(RESEND_EMAILS_URL, async ({ request }) => {
    await record(request);
    const key = request.headers.get("Idempotency-Key");
    const attempt = (attempts.get(key ?? "") ?? 0) + 1;
    attempts.set(key ?? "", attempt);
    const previous = key ? accepted.get(key) : undefined;
    if (previous) {
      replays.push(key!);
      return HttpResponse.json({ id: previous });
    }
    const outcome = answer({ key, attempt });
    if (outcome === "accept") return HttpResponse.json({ id: send(key) });
    if ("hangMs" in outcome) {
      // Resend got the message but its answer comes too late (or it never got it at all).
      const id = outcome.delivered ? send(key) : null;
      await delay(outcome.hangMs);
      return id
        ? HttpResponse.json({ id })
        : HttpResponse.json({ statusCode: 504, name: "application_error", message: "Mock timeout" }, { status: 504 });
    }
    const name = errorNames[outcome.status] ?? "application_error";
    const headers: Record<string, string> =
      outcome.retryAfterSeconds !== undefined ? { "retry-after": String(outcome.retryAfterSeconds) } : {};
    return HttpResponse.json(
      { statusCode: outcome.status, name, message: `Mock ${name}` },
      { status: outcome.status, headers },
    );
  });
  return {
    handler,
    /** Messages each recipient would have received, by idempotency key. */
    sends,
    /** Keys asked for again after Resend had accepted them (answered from its idempotency store). */
    replays,
  };
}

/** Default handlers for tests and offline development. */
export const resendHandlers = [resendAccepts()];
