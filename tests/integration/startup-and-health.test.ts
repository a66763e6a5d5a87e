import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnect } from "@db/client.server";
import { resetEnvCache } from "~/env.server";
import { markDraining, reportServiceFailure } from "~/health.server";
import { loader as healthLoader } from "~/routes/healthz";
import { loader as readyLoader } from "~/routes/readyz";
import { startApp, type RunningApp } from "~/startup.server";
import { callLoader } from "../support/remix";

// Any request to any host fails the test: start-up must not call Stripe or Resend.
const requests: string[] = [];
const network = setupServer();
network.events.on("request:start", ({ request }) => {
  requests.push(request.url);
});

let app: RunningApp;
beforeAll(async () => {
  network.listen({ onUnhandledRequest: "error" });
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: "sk_test_startup",
    STRIPE_WEBHOOK_SECRET: "whsec_startup",
    RESEND_API_KEY: "re_startup",
    MAIL_FROM: "Fund <fund@example.org>",
    PGLITE_DATA_DIR: "memory://",
    OUTBOX_POLL_MS: "60000",
  });
  resetEnvCache();
  app = await startApp();
});
afterAll(async () => {
  await app?.stop();
  network.close();
  for (const key of [
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "RESEND_API_KEY",
    "MAIL_FROM",
    "PGLITE_DATA_DIR",
    "OUTBOX_POLL_MS",
  ])
    delete process.env[key];
  resetEnvCache();
});

describe("start-up", () => {
  it("migrates, seeds and starts with Stripe and Resend configured without calling either", async () => {
    expect(app.seeded).toBe(true);
    expect(app.env.paymentsMode).toBe("stripe");
    expect(requests).toEqual([]);
  });

  it("reports the modes and a healthy database", async () => {
    const response = await callLoader(healthLoader, "/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ db: "ok", payments: "stripe", email: "resend" });
    expect(requests).toEqual([]);
  });

  it("mentions a service only after a real call to it failed", async () => {
    reportServiceFailure("stripe", new Error("connect ECONNREFUSED"));
    const body = await (await callLoader(healthLoader, "/healthz")).json();
    expect(body).toMatchObject({ db: "ok", recentFailures: { stripe: "connect ECONNREFUSED" } });
    expect(body.recentFailures.resend).toBeUndefined();
  });

  it("is ready for requests (/readyz) while the database answers", async () => {
    const response = await callLoader(readyLoader, "/readyz");
    expect({
      status: response.status,
      body: await response.json(),
      cache: response.headers.get("Cache-Control"),
    }).toEqual({ status: 200, body: { ready: true }, cache: "no-store" });
  });

  it("answers 503 when the database cannot be reached", async () => {
    await disconnect();
    const response = await callLoader(healthLoader, "/healthz");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ db: "unreachable" });
    const ready = await callLoader(readyLoader, "/readyz");
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 503,
      body: { ready: false, reason: "database unreachable" },
    });
  });

  it("is not ready once draining (SIGTERM), whatever the database says", async () => {
    markDraining();
    const ready = await callLoader(readyLoader, "/readyz");
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 503,
      body: { ready: false, reason: "draining" },
    });
  });
});

describe("the server entry", () => {
  const root = path.resolve(__dirname, "../..");
  it("refuses to start on a bad environment, one line per problem", () => {
    expect(existsSync(path.join(root, "build/index.js")), "run `npm run build` first (npm test does)").toBe(true);
    const result = spawnSync(process.execPath, ["server.mjs"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "development",
        STRIPE_SECRET_KEY: "sk_test_x",
        DATABASE_URL: "mysql://nope",
        PORT: "0",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Fighting Fund cannot start: the environment is not valid.");
    expect(result.stderr).toContain("STRIPE_WEBHOOK_SECRET: is required when STRIPE_SECRET_KEY is set");
    expect(result.stderr).toContain("DATABASE_URL: must start with postgres:// or postgresql://");
  });
});
