import pino from "pino";

/**
 * Structured JSON logs. Log ids, never names, emails, addresses or phone numbers: the redact
 * list is a safety net, not a licence.
 */
// LOG_LEVEL is read here directly, not through getEnv(): the logger must work while the
// environment is still being validated (or has just failed validation).
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: undefined,
  redact: {
    paths: ["email", "*.email", "name", "*.name", "phone", "*.phone", "address", "*.address", "to", "*.to"],
    censor: "[redacted]",
  },
});
