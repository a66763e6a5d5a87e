import { eq } from "drizzle-orm";
import { Resend, type ErrorResponse } from "resend";
import type { DB } from "@db/client.server";
import { devMailbox } from "@db/schema";
import { getEnv } from "~/env.server";
import { reportServiceFailure, reportServiceSuccess } from "~/health.server";
import { t } from "~/i18n/t";

export type OutgoingEmail = {
  outboxId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** About a discreet campaign's gift: sent under a neutral sender (ADR 051). */
  discreet?: boolean;
};

/**
 * The sender of a discreet campaign's mail: DISCREET_MAIL_FROM when set (an address on a domain
 * that names nothing), else MAIL_FROM's address under a neutral display name.
 */
export function discreetSender(from: string, discreetFrom: string | undefined): string {
  if (discreetFrom) return discreetFrom;
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
  return `${t("discreet.senderName")} <${address}>`;
}

export type Mailer = {
  name: "resend" | "mailbox";
  send(message: OutgoingEmail): Promise<{ providerMessageId: string | null }>;
};

/** A send that did not happen. `retryable` says whether trying again later can help. */
export class MailerError extends Error {
  readonly retryable: boolean;
  readonly statusCode: number | null;
  readonly code: string;
  /** The provider asked us to wait at least this long (Retry-After). */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { retryable: boolean; statusCode?: number | null; code?: string; retryAfterMs?: number | null },
  ) {
    super(message);
    this.name = "MailerError";
    this.retryable = options.retryable;
    this.statusCode = options.statusCode ?? null;
    this.code = options.code ?? "unknown";
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** A send that has not answered by then is abandoned and retried later under the same idempotency key. */
export const SEND_TIMEOUT_MS = 15_000;

/** Provider messages sometimes quote an address; errors end up in logs, the outbox and /healthz. */
export function redactEmails(text: string): string {
  return text.replace(/[^\s@<>()"'`,;:]+@[^\s@<>()"'`,;:]+/g, "[email]");
}

// Errors the API reports by name when a body carries no status code.
const RETRYABLE_CODES = new Set([
  "rate_limit_exceeded",
  "daily_quota_exceeded",
  "monthly_quota_exceeded",
  "application_error",
  "internal_server_error",
  "concurrent_idempotent_requests",
]);
// About this one message, not about Resend or our account: they say nothing of the service's health.
const MESSAGE_PROBLEM_STATUSES = new Set([400, 409, 422]);

function isRetryable(error: ErrorResponse): boolean {
  const status = typeof error.statusCode === "number" ? error.statusCode : null;
  if (status === null) return RETRYABLE_CODES.has(error.name);
  // 409 concurrent_idempotent_requests: the same key is still in flight elsewhere; ask again later.
  return status === 429 || status >= 500 || error.name === "concurrent_idempotent_requests";
}

function parseRetryAfter(headers: Record<string, string> | null): number | null {
  const value = headers?.["retry-after"];
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/**
 * Sends through Resend. The outbox id is the idempotency key, so a send retried after a lost
 * response (or by a second worker whose lease ran out) is delivered once.
 */
export function resendMailer(options: {
  apiKey: string;
  from: string;
  discreetFrom?: string;
  timeoutMs?: number;
}): Mailer {
  const resend = new Resend(options.apiKey);
  return {
    name: "resend",
    async send(message) {
      let response: Awaited<ReturnType<typeof resend.emails.send>>;
      try {
        response = await resend.emails.send(
          {
            from: message.discreet ? discreetSender(options.from, options.discreetFrom) : options.from,
            to: message.to,
            subject: message.subject,
            html: message.html,
            text: message.text,
          },
          { idempotencyKey: message.outboxId, signal: AbortSignal.timeout(options.timeoutMs ?? SEND_TIMEOUT_MS) },
        );
      } catch (cause) {
        const error = new MailerError(
          redactEmails(`Resend request failed: ${cause instanceof Error ? cause.message : String(cause)}`),
          { retryable: true, code: "network_error" },
        );
        reportServiceFailure("resend", error);
        throw error;
      }
      if (response.error) {
        const { error: failure, headers } = response;
        const statusCode = typeof failure.statusCode === "number" ? failure.statusCode : null;
        const error = new MailerError(
          redactEmails(`Resend ${statusCode ?? "network"} ${failure.name}: ${failure.message}`),
          {
            retryable: isRetryable(failure),
            statusCode,
            code: failure.name,
            retryAfterMs: parseRetryAfter(headers),
          },
        );
        if (statusCode === null || !MESSAGE_PROBLEM_STATUSES.has(statusCode)) reportServiceFailure("resend", error);
        throw error;
      }
      reportServiceSuccess("resend");
      return { providerMessageId: response.data.id };
    },
  };
}

/** Keeps mail in the database for /dev/mailbox. Delivering the same outbox row again stores nothing new. */
export function mailboxMailer(db: DB): Mailer {
  return {
    name: "mailbox",
    async send(message) {
      await db
        .insert(devMailbox)
        .values({
          outboxId: message.outboxId,
          toEmail: message.to,
          subject: message.subject,
          html: message.html,
          text: message.text,
        })
        .onConflictDoNothing({ target: devMailbox.outboxId });
      const [row] = await db
        .select({ id: devMailbox.id })
        .from(devMailbox)
        .where(eq(devMailbox.outboxId, message.outboxId));
      return { providerMessageId: row ? `mailbox:${row.id}` : null };
    },
  };
}

export function getMailer(db: DB): Mailer {
  const env = getEnv();
  if (env.emailMode === "resend" && env.RESEND_API_KEY && env.MAIL_FROM) {
    return resendMailer({ apiKey: env.RESEND_API_KEY, from: env.MAIL_FROM, discreetFrom: env.DISCREET_MAIL_FROM });
  }
  return mailboxMailer(db);
}
