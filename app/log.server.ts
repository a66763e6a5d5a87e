import pino from "pino";
import { currentRequestContext } from "~/observability/request-context.server";

/**
 * Structured JSON logs. Log ids, never names, emails, addresses or phone numbers: the redact
 * list is a safety net, not a licence.
 */
// LOG_LEVEL is read here directly, not through getEnv(): the logger must work while the
// environment is still being validated (or has just failed validation).
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: undefined,
  // Every line written while a request is handled carries its id (request-context.server.ts).
  mixin() {
    const context = currentRequestContext();
    return context ? { requestId: context.requestId } : {};
  },
  redact: {
    paths: ["email", "*.email", "name", "*.name", "phone", "*.phone", "address", "*.address", "to", "*.to"],
    censor: "[redacted]",
  },
});

const EMAIL = /[^\s@"'<>()]+@[^\s@"'<>()]+\.[^\s@"'<>()]+/g;
// SQLSTATE classes: two digits, or F0, HV, P0, XX (so "EPIPE" and friends are not mistaken for one).
const SQLSTATE = /^(?:[0-9]{2}|F0|HV|P0|XX)[0-9A-Z]{3}$/;

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  type?: unknown;
  statusCode?: unknown;
  constraint?: unknown;
  constraint_name?: unknown;
  table?: unknown;
  table_name?: unknown;
};

function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === "object" && chain.length < 5) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

const text = (value: unknown) => (typeof value === "string" && value ? value : null);

/**
 * The error as staff may read it and logs may keep it: no personal data. A failed query's own
 * message carries its parameters (names, emails), so database errors are told by their SQLSTATE,
 * constraint and table only; Stripe errors by type and status; anything else by its message
 * with email addresses removed.
 */
export function describeError(error: unknown): string {
  const chain = causes(error);
  const database = databaseError(chain);
  if (database) {
    const constraint = text(database.constraint_name) ?? text(database.constraint);
    const table = text(database.table_name) ?? text(database.table);
    return [
      `Database error ${String(database.code)}`,
      table ? `on ${table}` : null,
      constraint ? `(constraint ${constraint})` : null,
    ]
      .filter(Boolean)
      .join(" ");
  }
  const stripe = chain.find((e) => typeof e.type === "string" && e.type.startsWith("Stripe"));
  if (stripe) {
    const status = typeof stripe.statusCode === "number" ? `HTTP ${stripe.statusCode}` : "no response";
    return clip(`Stripe ${String(stripe.type)} (${status}): ${text(stripe.message) ?? "no message"}`);
  }
  const first = chain[0];
  if (!first) return clip(String(error));
  return clip(`${text(first.name) ?? "Error"}: ${text(first.message) ?? "no message"}`);
}

/** The database's error in a cause chain (drizzle wraps postgres.js's and PGlite's), if any. */
function databaseError(chain: ErrorLike[]) {
  return chain.find((e) => typeof e.code === "string" && SQLSTATE.test(e.code) && !text(e.type));
}

/** The SQLSTATE of a database error anywhere in `error`'s cause chain; else null. */
export function sqlState(error: unknown): string | null {
  const database = databaseError(causes(error));
  return database ? String(database.code) : null;
}

function clip(message: string) {
  const safe = message.replace(EMAIL, "[email]").replace(/\s+/g, " ").trim();
  return safe.length > 300 ? `${safe.slice(0, 299)}…` : safe;
}
