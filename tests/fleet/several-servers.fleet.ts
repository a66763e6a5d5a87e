// Three app servers on one PostgreSQL database behind a real nginx behave as one.
// Run with `npm run test:fleet` (its own CI step: it starts processes and takes about a minute).
// Everything listens on loopback ports 4500-4503 (nginx, then the three servers); readers come
// from addresses of their own in 127.0.0.0/8, as they would from the internet.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@db/client.server";
import { upsertStaffAccount } from "~/auth/staff-accounts.server";
import { JOB_KEYS } from "~/jobs/job-lock.server";
import { checkoutSessionObject, signStripePayload, stripeEvent } from "../mocks/stripe";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database";
import {
  appServer,
  send,
  sendInTwoParts,
  startNginx,
  startResendApi,
  startStripeApi,
  withCookies,
  type AppServer,
  type Nginx,
  type Reply,
} from "./fleet";

const NGINX_PORT = 4500;
const SERVER_PORTS = [4501, 4502, 4503];
const READY_PATH = "/readyz";
const WEBHOOK_SECRET = "whsec_fighting_fund_fleet";
const JOBS_INTERVAL_MS = 3000;
const CHECKOUT_LIMIT_PER_IP = 6;
const STAFF = {
  email: "fleet-admin@example.org",
  name: "Fleet Admin",
  password: "fleet-admin-password-not-secret",
  role: "admin" as const,
};
/** How long the steady load runs before, between and after the three restarts (each bounded). */
const LOAD_LEAD_MS = 3000;
const BETWEEN_RESTARTS_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** "a 3, b 1" (Object.groupBy arrives with Node 21). */
const tally = (keys: string[]) =>
  Object.entries(keys.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {}))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
const adminUrl = process.env.DATABASE_URL?.startsWith("postgres")
  ? process.env.DATABASE_URL
  : "postgres://postgres@127.0.0.1:5432/postgres";

let database: ScratchDatabase;
let sql: postgres.Sql;
let stripe: Awaited<ReturnType<typeof startStripeApi>>;
let resend: Awaited<ReturnType<typeof startResendApi>>;
let nginx: Nginx;
let servers: AppServer[] = [];
let fleetStartedAt = 0;

// ---------------------------------------------------------------------------------------------
// Readers: each from an address of their own.

let addressSeq = 0;
/** 127.1.0.1, 127.1.0.2, …: a new reader per call. */
function newReader(): string {
  addressSeq += 1;
  return `127.1.${(addressSeq >> 8) & 255}.${addressSeq & 255 || 1}`;
}

const csrfOf = (page: Reply) => /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
/** "$12,345 raised of $250,000": React may put comment nodes between the parts. */
const raisedOn = (page: Reply) => /([^<>]*?)(?:<!-- -->)?\s*raised of/.exec(page.body)?.[1]?.trim();

type Payment = {
  sessionId: string;
  checkoutId: string;
  email: string;
  amountMinor: number;
  eventId: string;
  body: string;
  acknowledged: boolean;
};
const payments: Payment[] = [];
let emailSeq = 0;

/** A reader opens the front page and starts a one-off gift: the checkout we created, or why not. */
async function startCheckout(
  origin: string,
  { from = newReader(), amount = "2500", email = `fleet-${++emailSeq}@example.net` } = {},
) {
  const page = await send(`${origin}/`, { from });
  const csrf = csrfOf(page);
  if (page.status !== 200 || !csrf)
    return {
      ok: false as const,
      reply: page,
      detail: `GET / answered ${page.status}${csrf ? "" : " without a CSRF token"}`,
    };
  const reply = await send(`${origin}/?index`, {
    method: "POST",
    from,
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: withCookies("", page), origin },
    body: new URLSearchParams({
      csrf,
      currency: "AUD",
      frequency: "once",
      amount,
      name: "Fleet Reader",
      email,
    }).toString(),
  });
  const sessionId = /^https:\/\/checkout\.stripe\.com\/c\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(
    String(reply.headers.location ?? ""),
  )?.[1];
  if (reply.status !== 303 || !sessionId)
    return { ok: false as const, reply, detail: `POST /?index answered ${reply.status} ${reply.body.slice(0, 200)}` };
  const session = stripe.mock.store.sessions.get(sessionId);
  if (!session) return { ok: false as const, reply, detail: `no Checkout Session ${sessionId} at the Stripe stub` };
  return { ok: true as const, reply, session, email };
}

/** Stripe's checkout.session.completed for a session the app created, signed as Stripe signs it. */
function completedEvent(
  session: NonNullable<ReturnType<typeof stripe.mock.store.sessions.get>>,
  email: string,
): Payment {
  const object = checkoutSessionObject({
    id: session.id,
    metadata: session.metadata,
    amountTotal: session.amount_total,
    currency: session.currency ?? "aud",
    email,
    name: "Fleet Reader",
    paymentStatus: "paid",
  });
  const event = stripeEvent("checkout.session.completed", object);
  return {
    sessionId: session.id,
    checkoutId: session.metadata.checkout_id ?? "",
    email,
    amountMinor: session.amount_total,
    eventId: event.id,
    body: JSON.stringify(event),
    acknowledged: false,
  };
}

/** One delivery of the event, signed afresh as Stripe signs each attempt; a 200 acknowledges it. */
async function deliver(origin: string, payment: Payment, from = "127.0.0.1") {
  const reply = await send(`${origin}/webhooks/stripe`, {
    method: "POST",
    from,
    headers: {
      "content-type": "application/json",
      "stripe-signature": signStripePayload(payment.body, WEBHOOK_SECRET),
    },
    body: payment.body,
  });
  if (reply.status === 200) payment.acknowledged = true;
  return reply;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  fleetStartedAt = Date.now();
  database = await createScratchDatabase(adminUrl, "ff_test_fleet");
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  stripe = await startStripeApi();
  resend = await startResendApi();
  const nginxOrigin = `http://127.0.0.1:${NGINX_PORT}`;
  const env = {
    NODE_ENV: "production",
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: "4",
    APP_URL: nginxOrigin,
    SESSION_SECRET: "fighting-fund-fleet-test-session-secret-0123456789",
    STRIPE_SECRET_KEY: "sk_test_fighting_fund_fleet",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.base,
    RESEND_API_KEY: "re_fighting_fund_fleet",
    MAIL_FROM: "Fighting Fund <fund@example.org>",
    RESEND_BASE_URL: resend.base,
    // nginx is the one hop in front of the servers (README "Several servers").
    TRUST_PROXY: "1",
    SEED_DEMO: "true",
    LOG_LEVEL: "info",
    OUTBOX_POLL_MS: "500",
    JOBS_INTERVAL_MS: String(JOBS_INTERVAL_MS),
    CHECKOUT_LIMIT_PER_IP: String(CHECKOUT_LIMIT_PER_IP),
  };
  servers = SERVER_PORTS.map((port, i) => appServer(`server ${i + 1}`, port, env, { readyPath: READY_PATH }));
  // All three at once on the empty database: migrations and the demo seed must not race.
  await Promise.all(servers.map((s) => s.start()));
  nginx = await startNginx({ port: NGINX_PORT, upstreams: SERVER_PORTS });
  const admin = await openDatabase({ url: database.url, poolSize: 1 });
  try {
    await upsertStaffAccount(admin.db, STAFF);
  } finally {
    await admin.close();
  }
}, 120_000);

afterAll(async () => {
  // What went wrong on the servers, for a failed run: their error lines (pino level 50+) and anything not JSON.
  for (const server of servers) {
    const problems = server
      .output()
      .split("\n")
      .filter(
        (line) =>
          line.trim() &&
          (!line.startsWith("{") || /"level":(5|6)\d/.test(line)) &&
          !line.startsWith("Fighting Fund is running") &&
          !line.startsWith("  "),
      );
    if (problems.length)
      console.log(`${server.name}: ${problems.length} error lines; the last ones:\n${problems.slice(-15).join("\n")}`);
  }
  const nginxErrors = nginx?.errorLog().trim();
  if (nginxErrors) console.log(`nginx error log:\n${nginxErrors.split("\n").slice(-15).join("\n")}`);
  // Everything started here goes, whatever happened above.
  await Promise.allSettled(servers.map((s) => s.kill()));
  await nginx?.stop().catch(() => {});
  await stripe?.close().catch(() => {});
  await resend?.close().catch(() => {});
  await sql?.end().catch(() => {});
  await database?.drop().catch(() => {});
  console.log(
    `fleet test: ${((Date.now() - fleetStartedAt) / 1000).toFixed(1)} s from the first server start to the clean-up`,
  );
}, 60_000);

describe("three app servers behind nginx behave as one", () => {
  it("a staff session made on one server is valid on the others, and signing out on one ends it on all", async () => {
    const [one, two, three] = servers as [AppServer, AppServer, AppServer];
    const page = await send(`${one.origin}/admin/sign-in`);
    const csrf = csrfOf(page);
    expect(page.status).toBe(200);
    const signIn = await send(`${one.origin}/admin/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: withCookies("", page),
        origin: one.origin,
      },
      body: new URLSearchParams({
        csrf: csrf ?? "",
        next: "/admin",
        email: STAFF.email,
        password: STAFF.password,
      }).toString(),
    });
    expect([302, 303]).toContain(signIn.status);
    const cookie = withCookies(withCookies("", page), signIn);
    for (const server of [two, three, one]) {
      const admin = await send(`${server.origin}/admin`, { headers: { cookie } });
      expect(admin.status, `${server.name} /admin`).toBe(200);
      expect(admin.body).toContain(STAFF.name);
    }
    const adminPage = await send(`${three.origin}/admin`, { headers: { cookie } });
    const signOut = await send(`${three.origin}/admin/sign-out`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: three.origin },
      body: new URLSearchParams({ csrf: csrfOf(adminPage) ?? csrf ?? "" }).toString(),
    });
    expect([302, 303]).toContain(signOut.status);
    for (const server of [one, two]) {
      const after = await send(`${server.origin}/admin`, { headers: { cookie } });
      expect(after.status, `${server.name} /admin after signing out on ${three.name}`).not.toBe(200);
    }
  });

  it("checkout starts from one client, spread over the three servers by nginx, meet one limit", async () => {
    const from = "127.2.0.1";
    const before = nginx.accessLog().length;
    const statuses: number[] = [];
    for (let i = 0; i < CHECKOUT_LIMIT_PER_IP + 3; i++) {
      const started = await startCheckout(nginx.origin, { from });
      statuses.push(started.reply.status);
    }
    // Which server answered each POST, from nginx's own log.
    const upstreams = new Set(
      nginx
        .accessLog()
        .slice(before)
        .split("\n")
        .filter((line) => line.startsWith(`${from} `) && line.includes('"POST /'))
        .map((line) => /upstream=(\S+)/.exec(line)?.[1]),
    );
    expect(upstreams.size, `servers that took the POSTs: ${[...upstreams].join(", ")}`).toBe(3);
    expect(statuses).toEqual([...Array(CHECKOUT_LIMIT_PER_IP).fill(303), 429, 429, 429]);
  });

  it("a payment taken on one server shows on the public page of every server within a second", async () => {
    // Each server's page as it is now (the second request is served from its page cache).
    const before: string[] = [];
    for (const server of servers) {
      await send(`${server.origin}/`);
      const raised = raisedOn(await send(`${server.origin}/`));
      expect(raised, `${server.name}: no "raised of" figure on /`).toBeTruthy();
      before.push(raised!);
    }
    expect(new Set(before).size).toBe(1);
    // A page is rendered again at most once a second (ADR 021): the reads above just rendered it,
    // so wait that second out, and what is measured is how fast a payment reaches every server.
    await sleep(1000);
    const started = await startCheckout(servers[0]!.origin, { amount: "10000", from: "127.3.0.1" });
    expect(started.ok, started.ok ? "" : started.detail).toBe(true);
    if (!started.ok) return;
    const payment = completedEvent(started.session, started.email);
    payments.push(payment);
    const delivered = await deliver(servers[0]!.origin, payment);
    expect(delivered.status).toBe(200);
    const paidAt = delivered.finishedAt;
    const seenAfter = await Promise.all(
      servers.map(async (server) => {
        for (let i = 0; i < 60; i++) {
          const raised = raisedOn(await send(`${server.origin}/`));
          if (raised && raised !== before[0]) return { server: server.name, ms: Date.now() - paidAt, raised };
          await sleep(50);
        }
        return { server: server.name, ms: Infinity, raised: before[0] };
      }),
    );
    console.log(`public page updated after the payment: ${seenAfter.map((s) => `${s.server} ${s.ms} ms`).join(", ")}`);
    for (const seen of seenAfter) expect(seen.ms, `${seen.server} showed ${seen.raised}`).toBeLessThanOrEqual(1000);
    expect(new Set(seenAfter.map((s) => s.raised)).size).toBe(1);
  });

  it("a rolling restart under steady page views, checkouts and webhooks fails no request and finishes every one in flight", async () => {
    type Outcome = { kind: string; ok: boolean; detail: string; at: number };
    const outcomes: Outcome[] = [];
    let running = true;
    const record = (kind: string, reply: Reply | Error, ok: (r: Reply) => boolean) => {
      if (reply instanceof Error) outcomes.push({ kind, ok: false, detail: reply.message, at: Date.now() });
      else
        outcomes.push({
          kind,
          ok: ok(reply),
          detail: `${reply.status} ${reply.body.slice(0, 160)}`,
          at: reply.finishedAt,
        });
    };
    const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

    const pageViews = async (paths: string[]) => {
      for (let i = 0; running && i < 10_000; i++) {
        const path = paths[i % paths.length]!;
        record(
          `GET ${path}`,
          await send(`${nginx.origin}${path}`, { from: newReader() }).catch(asError),
          (r) => r.status === 200,
        );
        await sleep(60);
      }
    };
    const checkoutsAndWebhooks = async () => {
      for (let i = 0; running && i < 10_000; i++) {
        let started;
        try {
          started = await startCheckout(nginx.origin);
        } catch (error) {
          record("checkout start", asError(error), () => false);
          continue;
        }
        if (!started.ok) {
          outcomes.push({ kind: "checkout start", ok: false, detail: started.detail, at: Date.now() });
          continue;
        }
        record("checkout start", started.reply, () => true);
        const payment = completedEvent(started.session, started.email);
        payments.push(payment);
        // Stripe delivers at least once: every fourth event twice, at the same moment.
        const copies = i % 4 === 0 ? 2 : 1;
        const replies = await Promise.all(
          Array.from({ length: copies }, () => deliver(nginx.origin, payment).catch(asError)),
        );
        for (const reply of replies) record("webhook", reply, (r) => r.status === 200);
        await sleep(120);
      }
    };

    const load = Promise.all([
      pageViews(["/", "/support"]),
      pageViews(["/c/fighting-fund-2026", "/"]),
      checkoutsAndWebhooks(),
      checkoutsAndWebhooks(),
    ]);
    const restarts: string[] = [];
    const inFlight: string[] = [];
    try {
      await sleep(LOAD_LEAD_MS);
      for (const server of servers) {
        // Two requests in flight on this server when it is told to stop: a Stripe delivery whose
        // body is only half sent, and a checkout start waiting on a slow Stripe API.
        const slowStart = startCheckout(server.origin, {
          from: newReader(),
          email: `slow-${server.port}@example.net`,
        }).catch(asError);
        const halfSent = await (async () => {
          // (acknowledged only if this very delivery, sent straight to the stopping server, succeeds)
          const started = await startCheckout(server.origin, { from: newReader() });
          if (!started.ok)
            throw new Error(`could not start the checkout for the half-sent delivery: ${started.detail}`);
          const payment = completedEvent(started.session, started.email);
          payments.push(payment);
          const request = sendInTwoParts(`${server.origin}/webhooks/stripe`, {
            headers: {
              "content-type": "application/json",
              "stripe-signature": signStripePayload(payment.body, WEBHOOK_SECRET),
            },
            body: payment.body,
          });
          const reply = request.reply.then((r) => {
            if (r.status === 200) payment.acknowledged = true;
            return r;
          }, asError);
          return { payment, request: { finish: request.finish, reply } };
        })();
        await sleep(300);
        const stopping = server.terminate();
        await sleep(300);
        halfSent.request.finish();
        const [exit, delivery, slow] = await Promise.all([stopping, halfSent.request.reply, slowStart]);
        const slowReply = slow instanceof Error ? slow : slow.reply;
        inFlight.push(
          `${server.name}: delivery ${delivery instanceof Error ? delivery.message : delivery.status}, slow checkout ${slowReply instanceof Error ? slowReply.message : slowReply.status}, exit ${exit.code ?? exit.signal}${exit.killed ? " (killed after 20 s)" : ""}`,
        );
        record("in-flight webhook", delivery, (r) => r.status === 200 && r.finishedAt <= exit.exitedAt);
        if (slow instanceof Error) record("in-flight checkout start", slow, () => false);
        else if (!slow.ok)
          outcomes.push({ kind: "in-flight checkout start", ok: false, detail: slow.detail, at: Date.now() });
        else {
          record("in-flight checkout start", slow.reply, (r) => r.finishedAt <= exit.exitedAt);
          payments.push(completedEvent(slow.session, slow.email));
          record("webhook", await deliver(nginx.origin, payments.at(-1)!).catch(asError), (r) => r.status === 200);
        }
        expect(exit.killed, `${server.name} did not exit within 20 s of SIGTERM`).toBe(false);
        expect(exit.code, `${server.name} exit code`).toBe(0);
        const restartedAt = Date.now();
        await server.start();
        restarts.push(
          `${server.name} stopped and was ready again in ${((Date.now() - restartedAt) / 1000).toFixed(1)} s`,
        );
        await sleep(BETWEEN_RESTARTS_MS);
      }
    } finally {
      running = false;
      await load;
    }
    const failed = outcomes.filter((o) => !o.ok);
    console.log(
      `rolling restart: ${outcomes.length} requests (${tally(outcomes.map((o) => o.kind))}), ${failed.length} failed\n  ${restarts.join("\n  ")}\n  in flight at SIGTERM: ${inFlight.join("; ")}`,
    );
    expect(failed.map((o) => `${o.kind}: ${o.detail}`)).toEqual([]);
    expect(outcomes.filter((o) => o.kind === "webhook").length).toBeGreaterThan(10);
    // nginx spread the load over all three.
    const upstreams = new Set(
      nginx
        .accessLog()
        .split("\n")
        .map((line) => /upstream=(127\.0\.0\.1:\d+)/.exec(line)?.[1])
        .filter(Boolean),
    );
    expect([...upstreams].sort()).toEqual(SERVER_PORTS.map((p) => `127.0.0.1:${p}`));
  }, 150_000);

  it("every payment is applied once: one ledger row per payment, receipt numbers without a gap", async () => {
    // Stripe retries a delivery that was not answered with a 2xx; do the same (bounded) for any
    // the restarts cost, so that what is checked is "applied once", not "delivered".
    const unacknowledged = payments.filter((p) => !p.acknowledged);
    for (let attempt = 0; attempt < 3 && payments.some((p) => !p.acknowledged); attempt++) {
      for (const payment of payments.filter((p) => !p.acknowledged))
        await deliver(nginx.origin, payment).catch(() => undefined);
    }
    if (unacknowledged.length)
      console.log(
        `Stripe's retries: ${unacknowledged.length} deliveries not acknowledged during the run were sent again`,
      );
    expect(payments.filter((p) => !p.acknowledged).map((p) => p.eventId)).toEqual([]);
    const rows = await sql<{ checkout_id: string; receipt_number: number; amount_minor: number }[]>`
      select checkout_id, receipt_number, amount_minor::int from payments where provider = 'stripe' order by receipt_number`;
    expect(payments.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.checkout_id).sort()).toEqual(payments.map((p) => p.checkoutId).sort());
    expect(rows.map((r) => r.receipt_number)).toEqual(rows.map((_, i) => i + 1));
    const events = await sql<{ n: number }[]>`select count(*)::int as n from provider_events`;
    expect(events[0]!.n).toBe(new Set(payments.map((p) => p.eventId)).size);
  });

  it("the outbox sends each email once, whichever server's worker takes it", async () => {
    const deadline = Date.now() + 20_000;
    let unsent = -1;
    while (Date.now() < deadline) {
      unsent = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where sent_at is null`)[0]!.n;
      if (unsent === 0) break;
      await sleep(250);
    }
    expect(unsent, "emails still unsent 20 s after the load").toBe(0);
    const sent = await sql<{ id: string }[]>`select id::text from outbox where sent_at is not null`;
    const receipts = await sql<
      { n: number }[]
    >`select count(*)::int as n from outbox where template = 'donation-receipt'`;
    expect(receipts[0]!.n).toBe(payments.length);
    expect(resend.withoutKey).toEqual([]);
    expect([...resend.requestsByKey.keys()].sort()).toEqual(sent.map((r) => r.id).sort());
    const repeated = [...resend.requestsByKey].filter(([, n]) => n > 1);
    expect(repeated, "outbox rows sent to Resend more than once").toEqual([]);
  });

  it("each scheduled job runs once per period across the three servers", () => {
    type Run = { job: string; period: number; server: string; status: string; time: number };
    const attempts: Run[] = [];
    for (const server of servers) {
      for (const line of server.output().split("\n")) {
        if (!line.includes('"scheduled jobs ran"')) continue;
        const entry = JSON.parse(line) as { time: number; period?: string; report: Record<string, { status: string }> };
        const period = entry.period
          ? Date.parse(entry.period)
          : Math.floor(entry.time / JOBS_INTERVAL_MS) * JOBS_INTERVAL_MS;
        for (const [job, outcome] of Object.entries(entry.report))
          attempts.push({ job, period, server: server.name, status: outcome.status, time: entry.time });
      }
    }
    const runs = attempts.filter((a) => a.status === "done");
    /** What every server did about a job in a period, for the failure message. */
    const around = (job: string, period: number) =>
      attempts
        .filter((a) => a.job === job && Math.abs(a.period - period) <= JOBS_INTERVAL_MS)
        .map(
          (a) =>
            `${new Date(a.period).toISOString().slice(11, 19)} ${a.server} ${a.status} at ${new Date(a.time).toISOString().slice(11, 23)}`,
        )
        .join("; ");
    const jobs = new Set(runs.map((r) => r.job));
    expect(jobs.size).toBe(Object.keys(JOB_KEYS).length);
    for (const job of jobs) {
      const periods = runs.filter((r) => r.job === job).map((r) => r.period);
      const twice = periods.filter((p, i) => periods.indexOf(p) !== i);
      expect(
        twice.map((p) => new Date(p).toISOString()),
        `${job}: periods run more than once`,
      ).toEqual([]);
      // Every period from the first run to the last had its run (some server was always up).
      const first = Math.min(...periods);
      const last = Math.max(...periods);
      const missing = Array.from(
        { length: (last - first) / JOBS_INTERVAL_MS + 1 },
        (_, i) => first + i * JOBS_INTERVAL_MS,
      ).filter((p) => !periods.includes(p));
      expect(
        missing.map((p) => around(job, p)),
        `${job}: periods between the first run and the last that no server ran`,
      ).toEqual([]);
      // Enough periods to mean something; how many fit depends on how long the run took (about
      // 20–30 s of 3 s periods), so no more than that is asked.
      expect(periods.length, `${job}: too few periods to judge`).toBeGreaterThanOrEqual(3);
    }
    console.log(`scheduled job runs (job × period): ${runs.length}, by server: ${tally(runs.map((r) => r.server))}`);
  });
});
