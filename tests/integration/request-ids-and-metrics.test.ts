// The built server (server.mjs) as production runs it: every response, whichever of the three
// ways in answered it (Stripe's deliveries and the cached public pages in front of Express, and
// Express/Remix), carries a request id, and every log line written while handling it carries the
// same id; /metrics answers only with its token, in Prometheus's text format, with route names
// and never a URL.
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database";
import { spawnServer, type ServerProcess } from "../support/server-process";

const WEBHOOK_SECRET = "whsec_request_ids_and_metrics";
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: ServerProcess;
let dataDir: string | undefined;
let scratch: ScratchDatabase | undefined;

beforeAll(async () => {
  // On PostgreSQL when the run is (as in CI), so the pool figures are the driver's real ones.
  const database: Record<string, string> = {};
  if (process.env.DATABASE_URL) {
    scratch = await createScratchDatabase(process.env.DATABASE_URL, "ff_test_observe");
    database.DATABASE_URL = scratch.url;
  } else {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ff-observe-"));
    database.PGLITE_DATA_DIR = path.join(dataDir, "pglite");
  }
  server = await spawnServer({
    ...database,
    LOG_LEVEL: "info",
    STRIPE_SECRET_KEY: "sk_test_51RequestIds",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    METRICS_TOKEN,
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await scratch?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A signed checkout.session.completed for a checkout the app never created: applied as "ignored", with a warning. */
function unknownCheckoutDelivery() {
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: randomUUID() }),
    amountTotal: 2500,
  });
  return signedWebhookRequest(stripeEvent("checkout.session.completed", session), WEBHOOK_SECRET);
}

async function deliver(headers: Record<string, string> = {}) {
  const { rawBody, signature } = unknownCheckoutDelivery();
  return fetch(`${server.origin}/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature, ...headers },
    body: rawBody,
  });
}

/** The JSON log lines the server printed with this message and request id, waited for (the write may trail the response). */
async function logLines(message: string, requestId: string | null): Promise<Array<Record<string, unknown>>> {
  const read = () =>
    server
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === message && line.requestId === requestId);
  for (let waited = 0; read().length === 0 && waited < 5_000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  return read();
}

async function metrics(authorization?: string) {
  return fetch(`${server.origin}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
}

describe("request ids", () => {
  it("every response carries one, whichever way in answered it", async () => {
    const page = (await fetch(`${server.origin}/`)).headers.get("X-Request-Id");
    const cached = (await fetch(`${server.origin}/`)).headers.get("X-Request-Id");
    const remix = await fetch(`${server.origin}/account/sign-in`);
    const webhook = await deliver();
    const asset = (await readdir(path.join(process.cwd(), "public", "build"))).find((name) => name.endsWith(".js"));
    const staticFile = await fetch(`${server.origin}/build/${asset}`);
    const notFound = await fetch(`${server.origin}/no-such-page`);
    expect([remix.status, webhook.status, staticFile.status, notFound.status]).toEqual([200, 200, 200, 404]);
    const ids = [
      page,
      cached,
      remix.headers.get("X-Request-Id"),
      webhook.headers.get("X-Request-Id"),
      staticFile.headers.get("X-Request-Id"),
      notFound.headers.get("X-Request-Id"),
    ];
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps the caller's id when it is a short safe token, and replaces anything else", async () => {
    const fromProxy = "0f3c9a7e5b2d4c1a8e6f0a9b3c7d5e1f";
    expect(
      (await fetch(`${server.origin}/`, { headers: { "X-Request-Id": fromProxy } })).headers.get("X-Request-Id"),
    ).toBe(fromProxy);
    expect((await deliver({ "X-Request-Id": fromProxy })).headers.get("X-Request-Id")).toBe(fromProxy);
    for (const unsafe of ["short", "has spaces in it ok", `${"a".repeat(65)}`, '{"json":"in a log"}']) {
      const id = (await fetch(`${server.origin}/account/sign-in`, { headers: { "X-Request-Id": unsafe } })).headers.get(
        "X-Request-Id",
      );
      expect(id).toMatch(UUID);
    }
  });

  it("is on every log line written while a webhook delivery is handled", async () => {
    const requestId = `webhook-${randomUUID()}`;
    const response = await deliver({ "X-Request-Id": requestId });
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-Id")).toBe(requestId);
    // The summary is written last; one warning per normalised event before it.
    const summaries = await logLines("stripe event", requestId);
    const warnings = await logLines("event for an unknown checkout ignored", requestId);
    expect(summaries, server.output().slice(-3000)).toHaveLength(1);
    expect(warnings.length, server.output().slice(-3000)).toBeGreaterThanOrEqual(1);
  });

  it("is on every log line written while Express and Remix handle a form", async () => {
    // A bot's donation: the honeypot is filled, the checkout refused with a warning.
    const form = await fetch(`${server.origin}/account/sign-in`);
    const cookie = (form.headers.get("Set-Cookie") ?? "").split(";")[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    const response = await fetch(`${server.origin}/?index`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: cookie,
        Origin: server.origin,
        "Sec-Fetch-Site": "same-origin",
      },
      body: new URLSearchParams({
        csrf,
        website: "https://spam.example",
        amount: "25",
        frequency: "one_off",
        email: "bot@example.net",
      }).toString(),
    });
    expect(response.status).toBe(400);
    const requestId = response.headers.get("X-Request-Id");
    expect(requestId).toMatch(UUID);
    expect(await logLines("checkout refused", requestId)).toHaveLength(1);
  });
});

describe("/metrics", () => {
  it("answers only with the token, never from a cache", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-token-of-the-same-kind",
      `Basic ${METRICS_TOKEN}`,
      `Bearer ${METRICS_TOKEN}x`,
    ]) {
      const refused = await metrics(authorization);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain("ff_");
    }
    const response = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("X-Request-Id")).toMatch(UUID);
  });

  it("reports latency by route name and status class, webhook outcomes, the outbox, the pool and the process", async () => {
    const unusual = `/c/no-such-campaign-${randomUUID()}`;
    await fetch(`${server.origin}${unusual}?email=someone@example.net`);
    await fetch(`${server.origin}/`);
    await fetch(`${server.origin}/`);
    await fetch(`${server.origin}/account/sign-in`);
    const twice = unknownCheckoutDelivery();
    for (let i = 0; i < 2; i++) {
      await fetch(`${server.origin}/webhooks/stripe`, {
        method: "POST",
        headers: { "Stripe-Signature": twice.signature },
        body: twice.rawBody,
      });
    }
    const bad = unknownCheckoutDelivery();
    await fetch(`${server.origin}/webhooks/stripe`, {
      method: "POST",
      // A changed first digit (replacing it with "0" kept one signature in 16 valid).
      headers: {
        "Stripe-Signature": bad.signature.replace(/v1=(\w)/, (_, first: string) => `v1=${first === "0" ? "1" : "0"}`),
      },
      body: bad.rawBody,
    });

    const text = await (await metrics(`Bearer ${METRICS_TOKEN}`)).text();
    const sample = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, "m").exec(text)?.[1];
    expect(
      Number(
        sample(
          "ff_http_request_duration_seconds_count",
          'route="routes/account.sign-in",method="GET",status_class="2xx"',
        ),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      Number(
        sample("ff_http_request_duration_seconds_count", 'route="public-page-cache",method="GET",status_class="2xx"'),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      Number(
        sample("ff_http_request_duration_seconds_count", 'route="stripe-webhook",method="POST",status_class="2xx"'),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      Number(
        sample("ff_http_request_duration_seconds_count", 'route="stripe-webhook",method="POST",status_class="4xx"'),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      Number(
        sample("ff_http_request_duration_seconds_count", 'route="routes/c.\\$slug",method="GET",status_class="4xx"'),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(Number(sample("ff_webhook_deliveries_total", 'outcome="applied"'))).toBeGreaterThanOrEqual(1);
    expect(Number(sample("ff_webhook_deliveries_total", 'outcome="duplicate"'))).toBe(1);
    expect(Number(sample("ff_webhook_deliveries_total", 'outcome="rejected_signature"'))).toBe(1);
    expect(text).toMatch(/^ff_outbox_unsent \d+$/m);
    expect(text).toMatch(/^ff_outbox_oldest_unsent_age_seconds [\d.e+-]+$/m);
    expect(text).toMatch(/^ff_metrics_database_up 1$/m);
    if (scratch) {
      expect(sample("ff_db_pool_size", 'driver="postgres"')).toBe("10");
      expect(Number(sample("ff_db_pool_connections", 'state="idle"'))).toBeGreaterThanOrEqual(1);
    } else {
      expect(sample("ff_db_pool_size", 'driver="pglite"')).toBe("1");
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // Route names only: no path, no query, no address.
    expect(text).not.toContain("no-such-campaign");
    expect(text).not.toContain("example.net");
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((match) => match[1]));
    for (const route of routes)
      expect(route).toMatch(/^(root|routes\/[\w.$[\]_-]+|public-page-cache|stripe-webhook|static|metrics|unmatched)$/);
  });
});
