import { z } from "zod";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    APP_URL: optionalText.pipe(z.url({ message: "must be a URL such as https://give.example.org" }).optional()),
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    PGLITE_DATA_DIR: z.string().default("./data/pglite"),
    SESSION_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    STRIPE_SECRET_KEY: optionalText.pipe(
      z.string().regex(/^(sk|rk)_(test|live)_/, "must look like sk_test_… or sk_live_…").optional(),
    ),
    STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().startsWith("whsec_", "must start with whsec_").optional()),
    RESEND_API_KEY: optionalText.pipe(z.string().startsWith("re_", "must start with re_").optional()),
    MAIL_FROM: optionalText,
    SEED_DEMO: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    OUTBOX_POLL_MS: z.coerce.number().int().min(100).default(2000),
  })
  .superRefine((env, ctx) => {
    if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET)
      ctx.addIssue({ code: "custom", path: ["STRIPE_WEBHOOK_SECRET"], message: "is required when STRIPE_SECRET_KEY is set" });
    if (env.STRIPE_WEBHOOK_SECRET && !env.STRIPE_SECRET_KEY)
      ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "is required when STRIPE_WEBHOOK_SECRET is set" });
    if (env.RESEND_API_KEY && !env.MAIL_FROM)
      ctx.addIssue({ code: "custom", path: ["MAIL_FROM"], message: "is required when RESEND_API_KEY is set (a sender on your verified Resend domain)" });
    if (env.NODE_ENV === "production") {
      if (!env.SESSION_SECRET) ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "is required in production" });
      if (!env.APP_URL) ctx.addIssue({ code: "custom", path: ["APP_URL"], message: "is required in production (the public address of the app)" });
    }
  });

export type Env = z.output<typeof EnvSchema> & {
  appUrl: string;
  sessionSecret: string;
  paymentsMode: "stripe" | "simulated";
  emailMode: "resend" | "mailbox";
};

export class EnvError extends Error {
  constructor(readonly lines: string[]) {
    super(`Invalid environment:\n${lines.join("\n")}`);
  }
}

/** Validates an environment; throws EnvError with one line per problem. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`));
  }
  const env = result.data;
  return {
    ...env,
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    // Development only: production refuses to start without SESSION_SECRET (above).
    sessionSecret: env.SESSION_SECRET ?? "fighting-fund-development-secret-not-for-production",
    paymentsMode: env.STRIPE_SECRET_KEY ? "stripe" : "simulated",
    emailMode: env.RESEND_API_KEY ? "resend" : "mailbox",
  };
}

let cached: Env | undefined;

/** The one place that reads process.env. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change the environment between cases. */
export function resetEnvCache() {
  cached = undefined;
}
