import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/env.server";

function problems(source: Record<string, string>) {
  try {
    parseEnv(source);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.lines;
    throw error;
  }
}

describe("environment", () => {
  it("needs nothing at all for the zero-key demo", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      paymentsMode: "simulated",
      emailMode: "mailbox",
      PORT: 3000,
      appUrl: "http://localhost:3000",
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("switches each part to the real service by its variable", () => {
    const env = parseEnv({
      DATABASE_URL: "postgres://u@db:5432/ff",
      STRIPE_SECRET_KEY: "sk_test_123",
      STRIPE_WEBHOOK_SECRET: "whsec_abc",
      RESEND_API_KEY: "re_123",
      MAIL_FROM: "Fund <fund@example.org>",
    });
    expect(env).toMatchObject({ paymentsMode: "stripe", emailMode: "resend", DATABASE_URL: "postgres://u@db:5432/ff" });
  });

  it("says in one line each what is missing or malformed", () => {
    expect(problems({ STRIPE_SECRET_KEY: "sk_test_123" })).toEqual([
      "STRIPE_WEBHOOK_SECRET: is required when STRIPE_SECRET_KEY is set",
    ]);
    expect(problems({ STRIPE_WEBHOOK_SECRET: "whsec_1" })).toEqual([
      "STRIPE_SECRET_KEY: is required when STRIPE_WEBHOOK_SECRET is set",
    ]);
    const lines = problems({ DATABASE_URL: "mysql://x", PORT: "eighty", RESEND_API_KEY: "re_1" });
    expect(lines).toHaveLength(3);
    expect(lines.join("\n")).toMatch(/DATABASE_URL: must start with postgres:\/\//);
    expect(lines.join("\n")).toMatch(/PORT:/);
    expect(lines.join("\n")).toMatch(/MAIL_FROM: is required when RESEND_API_KEY is set/);
  });

  it("refuses to run production without a session secret and public URL", () => {
    expect(problems({ NODE_ENV: "production", DEMO_MODE: "true" })).toEqual([
      "SESSION_SECRET: is required in production",
      "APP_URL: is required in production (the public address of the app)",
    ]);
  });

  const production = { NODE_ENV: "production", APP_URL: "https://give.example.org", SESSION_SECRET: "s".repeat(32) };
  const stripe = { STRIPE_SECRET_KEY: "sk_live_123", STRIPE_WEBHOOK_SECRET: "whsec_abc" };
  const resend = { RESEND_API_KEY: "re_123", MAIL_FROM: "Fund <fund@example.org>" };

  it("refuses to pretend in production: no Stripe key and no Resend key each stop the start with one line", () => {
    expect(problems(production)).toEqual([
      "STRIPE_SECRET_KEY: is required in production (without it payments are simulated and anyone can mark a gift paid); set DEMO_MODE=true only for a demonstration",
      "RESEND_API_KEY: is required in production (without it no email, sign-in links included, is sent); set DEMO_MODE=true only for a demonstration",
    ]);
    expect(problems({ ...production, ...resend })).toEqual([
      expect.stringMatching(/^STRIPE_SECRET_KEY: is required in production/),
    ]);
    expect(problems({ ...production, ...stripe })).toEqual([
      expect.stringMatching(/^RESEND_API_KEY: is required in production/),
    ]);
    expect(parseEnv({ ...production, ...stripe, ...resend })).toMatchObject({
      paymentsMode: "stripe",
      emailMode: "resend",
      demoBanner: false,
    });
  });

  it("runs a production demo only when DEMO_MODE says so, with the banner on, and never with a live Stripe key", () => {
    expect(parseEnv({ ...production, DEMO_MODE: "true" })).toMatchObject({
      paymentsMode: "simulated",
      emailMode: "mailbox",
      demoBanner: true,
    });
    expect(
      parseEnv({ ...production, DEMO_MODE: "true", STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" }),
    ).toMatchObject({ paymentsMode: "stripe", demoBanner: true });
    expect(problems({ ...production, ...stripe, DEMO_MODE: "true" })).toEqual([
      "DEMO_MODE: cannot be true with a live Stripe key (the demo banner says no money moves)",
    ]);
    expect(problems({ DEMO_MODE: "yes" })).toEqual(["DEMO_MODE: must be true or false"]);
    // Development with no keys is the zero-key demo: the banner is on without the flag.
    expect(parseEnv({}).demoBanner).toBe(true);
    expect(parseEnv({ STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" }).demoBanner).toBe(false);
  });

  it("runs the background work unless BACKGROUND_JOBS says false, 0 or off", () => {
    expect(parseEnv({}).BACKGROUND_JOBS).toBe(true);
    for (const on of ["true", "1", "on"]) expect(parseEnv({ BACKGROUND_JOBS: on }).BACKGROUND_JOBS).toBe(true);
    for (const off of ["false", "0", "off"]) expect(parseEnv({ BACKGROUND_JOBS: off }).BACKGROUND_JOBS).toBe(false);
    expect(problems({ BACKGROUND_JOBS: "no" })).toEqual(["BACKGROUND_JOBS: must be true or false (or 1/0, on/off)"]);
  });

  it("treats empty variables as unset", () => {
    expect(parseEnv({ STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "" }).paymentsMode).toBe("simulated");
  });

  it("takes TRUST_PROXY as false, a hop count or a list of proxies, as Express's trust proxy does", () => {
    expect(parseEnv({}).TRUST_PROXY).toBe(false);
    expect(parseEnv({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(false);
    expect(parseEnv({ TRUST_PROXY: "0" }).TRUST_PROXY).toBe(false);
    expect(parseEnv({ TRUST_PROXY: "1" }).TRUST_PROXY).toBe(1);
    expect(parseEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(
      parseEnv({ TRUST_PROXY: "loopback, 10.0.0.0/8,192.168.1.7, fd00::/8, 172.16.0.0/255.240.0.0" }).TRUST_PROXY,
    ).toEqual(["loopback", "10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/255.240.0.0"]);
  });

  it("refuses TRUST_PROXY=true with a line that says why and what to write instead", () => {
    const [line, ...more] = problems({ TRUST_PROXY: "true" });
    expect(more).toEqual([]);
    expect(line).toMatch(
      /^TRUST_PROXY: true would trust every X-Forwarded-For hop, including one a client writes itself; write the number of proxies/,
    );
    expect(problems({ TRUST_PROXY: "nginx, 10.0.0.0/33" })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: "nginx", "10.0.0.0\/33" is not false, a hop count/),
    ]);
    expect(problems({ TRUST_PROXY: "11" })).toEqual(["TRUST_PROXY: a hop count must be between 0 and 10"]);
  });
});
