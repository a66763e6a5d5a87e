import { isIP } from "node:net";
import { z } from "zod";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  APP_URL: optionalText.pipe(z.url({ message: "must be a URL such as https://give.example.org" }).optional()),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PGLITE_DATA_DIR: z.string().default("./data/pglite"),
  SESSION_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  STRIPE_SECRET_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, "must look like sk_test_… or sk_live_…")
      .optional(),
  ),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().startsWith("whsec_", "must start with whsec_").optional()),
  RESEND_API_KEY: optionalText.pipe(z.string().startsWith("re_", "must start with re_").optional()),
  MAIL_FROM: optionalText,
  // A discreet campaign's sender, e.g. "Receipts <receipts@neutral.example>" (ADR 051); unset: MAIL_FROM's address, neutral name.
  DISCREET_MAIL_FROM: optionalText,
  // The same app served at an onion service address, e.g. http://abc…xyz.onion (ADR 051).
  ONION_ORIGIN: optionalText.pipe(
    z
      .url({ message: "must be a URL such as http://example2345abcd.onion" })
      .refine(
        (v) => /^https?:\/\/[a-z2-7]{56}\.onion\/?$/.test(v),
        "must be an http(s):// v3 .onion address with no path",
      )
      .optional(),
  ),
  METRICS_TOKEN: optionalText.pipe(
    z.string().min(16, "must be at least 16 characters").regex(/^\S+$/, "must not contain spaces").optional(),
  ),
  // Production without Stripe or Resend keys, on purpose: a demonstration (ADR 028).
  DEMO_MODE: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
  // Tests only: the pseudo language that shows text outside the catalogue (ADR 049); never in production.
  FF_PSEUDO_LOCALE: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  SEED_DEMO: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OUTBOX_POLL_MS: z.coerce.number().int().min(100).default(2000),
  // Off: this process only answers requests — no outbox worker, no scheduled jobs. Several
  // servers behind one proxy can leave the sending to one of them (or to none, in benchmarks).
  BACKGROUND_JOBS: z
    .enum(["true", "false", "1", "0", "on", "off"], { message: "must be true or false (or 1/0, on/off)" })
    .default("true")
    .transform((v) => v === "true" || v === "1" || v === "on"),
  TRUST_PROXY: optionalText.pipe(z.string().optional()).transform((value, ctx) => parseTrustProxy(value, ctx)),
  // Form posts are read whole before Remix: larger ones get a 413 (ADR 028).
  FORM_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  // Graceful drain on SIGTERM: how long requests in flight may take to finish (ADR 028).
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(600).default(25),
  // Card-testing defence on checkout starts (docs/decisions/011-proof-of-work.md).
  CHECKOUT_LIMIT_PER_IP: z.coerce.number().int().min(1).max(10_000).default(20),
  CHECKOUT_LIMIT_PER_EMAIL: z.coerce.number().int().min(1).max(10_000).default(8),
  CHECKOUT_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  CHECKOUT_HARD_LIMIT_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(20),
  POW_DIFFICULTY_BITS: z.coerce.number().int().min(1).max(32).default(16),
  POW_MAX_DIFFICULTY_BITS: z.coerce.number().int().min(1).max(32).default(20),
  // Without JavaScript, a wait stands in for the proof of work (docs/decisions/045-waiting-instead-of-javascript.md).
  CHECKOUT_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  CHECKOUT_WAIT_MAX_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
});

/** Names Express (proxy-addr) gives to address ranges. */
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An address, or an address with a prefix length (`10.0.0.0/8`) or a netmask (`10.0.0.0/255.0.0.0`). */
function isProxyAddress(text: string): boolean {
  if (PROXY_RANGE_NAMES.has(text)) return true;
  const [address, range, ...rest] = text.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/**
 * TRUST_PROXY as Express's `trust proxy` takes it: false, a hop count, or the proxies' addresses.
 * `true` (trust every hop) is refused: a client's own X-Forwarded-For would then name any address
 * it likes, and every per-address limit would key on what the client wrote (ADR 028).
 */
export type TrustProxy = false | number | string[];

function parseTrustProxy(value: string | undefined, ctx: z.RefinementCtx): TrustProxy {
  if (value === undefined || value === "false") return false;
  if (value === "true") {
    ctx.addIssue({
      code: "custom",
      message:
        "true would trust every X-Forwarded-For hop, including one a client writes itself; write the number of proxies in front of the app (1 for a single nginx or Caddy) or their addresses (e.g. loopback or 10.0.0.0/8)",
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) ctx.addIssue({ code: "custom", message: "a hop count must be between 0 and 10" });
    return hops === 0 ? false : hops;
  }
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const wrong = entries.filter((entry) => !isProxyAddress(entry));
  if (wrong.length > 0 || entries.length === 0) {
    ctx.addIssue({
      code: "custom",
      message: `${wrong.length > 0 ? wrong.map((entry) => JSON.stringify(entry)).join(", ") : "the list"} is not false, a hop count, or a comma list of addresses, CIDR ranges and loopback, linklocal, uniquelocal`,
    });
    return z.NEVER;
  }
  return entries;
}

/** Rules between variables, checked on the raw values so every problem is reported at once. */
function crossFieldProblems(source: Record<string, string | undefined>): string[] {
  const has = (name: string) => Boolean(source[name]?.trim());
  const lines: string[] = [];
  if (has("STRIPE_SECRET_KEY") && !has("STRIPE_WEBHOOK_SECRET"))
    lines.push("STRIPE_WEBHOOK_SECRET: is required when STRIPE_SECRET_KEY is set");
  if (has("STRIPE_WEBHOOK_SECRET") && !has("STRIPE_SECRET_KEY"))
    lines.push("STRIPE_SECRET_KEY: is required when STRIPE_WEBHOOK_SECRET is set");
  if (has("RESEND_API_KEY") && !has("MAIL_FROM"))
    lines.push("MAIL_FROM: is required when RESEND_API_KEY is set (a sender on your verified Resend domain)");
  const bits = (name: string, fallback: number) => (source[name]?.trim() ? Number(source[name]) : fallback);
  const [powBase, powMax] = [bits("POW_DIFFICULTY_BITS", 16), bits("POW_MAX_DIFFICULTY_BITS", 20)];
  // Only between two valid values: a malformed one is reported by the schema.
  if ([powBase, powMax].every((n) => Number.isInteger(n) && n >= 1 && n <= 32) && powMax < powBase)
    lines.push("POW_MAX_DIFFICULTY_BITS: must not be below POW_DIFFICULTY_BITS");
  const [waitBase, waitMax] = [bits("CHECKOUT_WAIT_SECONDS", 30), bits("CHECKOUT_WAIT_MAX_SECONDS", 300)];
  if ([waitBase, waitMax].every((n) => Number.isInteger(n) && n >= 1 && n <= 3600) && waitMax < waitBase)
    lines.push("CHECKOUT_WAIT_MAX_SECONDS: must not be below CHECKOUT_WAIT_SECONDS");
  if (source.NODE_ENV === "production") {
    if (!has("SESSION_SECRET")) lines.push("SESSION_SECRET: is required in production");
    if (!has("APP_URL")) lines.push("APP_URL: is required in production (the public address of the app)");
    // Simulated payments would let anyone mark a gift paid; the mailbox would keep sign-in links
    // unsent. Only an explicit demonstration runs that way, and every page then says so.
    const demo = source.DEMO_MODE?.trim() === "true";
    if (!demo && !has("STRIPE_SECRET_KEY"))
      lines.push(
        "STRIPE_SECRET_KEY: is required in production (without it payments are simulated and anyone can mark a gift paid); set DEMO_MODE=true only for a demonstration",
      );
    if (!demo && !has("RESEND_API_KEY"))
      lines.push(
        "RESEND_API_KEY: is required in production (without it no email, sign-in links included, is sent); set DEMO_MODE=true only for a demonstration",
      );
  }
  if (source.DEMO_MODE?.trim() === "true" && /^(sk|rk)_live_/.test(source.STRIPE_SECRET_KEY?.trim() ?? "")) {
    lines.push("DEMO_MODE: cannot be true with a live Stripe key (the demo banner says no money moves)");
  }
  return lines;
}

export type Env = z.output<typeof EnvSchema> & {
  appUrl: string;
  /** ONION_ORIGIN without a trailing slash, or null (ADR 051). */
  onionOrigin: string | null;
  sessionSecret: string;
  paymentsMode: "stripe" | "simulated";
  emailMode: "resend" | "mailbox";
  /** Every page says that this is a demo and that no money moves (simulated payments, or DEMO_MODE). */
  demoBanner: boolean;
};

export class EnvError extends Error {
  constructor(readonly lines: string[]) {
    super(`Invalid environment:\n${lines.join("\n")}`);
  }
}

/** Validates an environment; throws EnvError with one line per problem. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)),
    ...crossFieldProblems(source),
  ];
  if (!result.success || problems.length > 0) throw new EnvError(problems);
  const env = result.data;
  return {
    ...env,
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    onionOrigin: env.ONION_ORIGIN ? new URL(env.ONION_ORIGIN).origin : null,
    // Development only: production refuses to start without SESSION_SECRET (above).
    sessionSecret: env.SESSION_SECRET ?? "fighting-fund-development-secret-not-for-production",
    paymentsMode: env.STRIPE_SECRET_KEY ? "stripe" : "simulated",
    emailMode: env.RESEND_API_KEY ? "resend" : "mailbox",
    demoBanner: env.DEMO_MODE || !env.STRIPE_SECRET_KEY,
  };
}

let cached: Env | undefined;

/** The one place that reads process.env. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** With PORT=0 and no APP_URL, the public address is known only once the server listens. */
export function bindAppUrlToPort(port: number) {
  const env = getEnv();
  if (!env.APP_URL) env.appUrl = `http://localhost:${port}`;
}

/** Tests change the environment between cases. */
export function resetEnvCache() {
  cached = undefined;
}
