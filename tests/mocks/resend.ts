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
export function resendFails(status: number, options: { once?: boolean; name?: string; retryAfterSeconds?: number } = {}) {
  return http.post(
    RESEND_EMAILS_URL,
    async ({ request }) => {
      await record(request);
      const name = options.name ?? errorNames[status] ?? "application_error";
      const headers: Record<string, string> = options.retryAfterSeconds !== undefined ? { "retry-after": String(options.retryAfterSeconds) } : {};
      return HttpResponse.json({ statusCode: status, name, message: `Mock ${name}` }, { status, headers });
    },
    { once: options.once ?? false },
  );
}

/** Default handlers for tests and offline development. */
export const resendHandlers = [resendAccepts()];
