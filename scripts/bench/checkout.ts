// Benchmark 3, checkout start: requests/s of the donate form's POST, up to and including the
// Stripe call (answered by a local stub at once) and the redirect to Stripe Checkout, against the
// same kind of baseline as benchmark 2: a bare node:http server sending the same bytes (the
// redirect), measured once the app and the Stripe stub have stopped. Target: ≥ 20% of its rate.
import type { Request } from "autocannon";
import type { Bench } from "./lib/bench";
import { BENCH_STRIPE_KEY, BENCH_WEBHOOK_SECRET } from "./lib/env";
import { load, record, startBareServer, type LoadOptions, type LoadResult, type Recorded } from "./lib/load";
import { fmt, machineNote, type Result } from "./lib/report";
import { ensureBuild, startServer, type RunningServer } from "./lib/server";
import { startStripeStub } from "./lib/stripe-stub";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

/** Each request a different reader: their own address (through a trusted proxy) and email. */
let reader = 0;
function formBody(csrf: string) {
  reader += 1;
  return new URLSearchParams({
    csrf,
    currency: "AUD",
    frequency: "once",
    amount: "2500",
    name: "Bench Reader",
    email: `reader-${reader}-${process.pid}@example.net`,
  }).toString();
}
const forwardedFor = () => `10.${(reader >> 16) & 255}.${(reader >> 8) & 255}.${reader & 255}`;

export const checkoutBench: Bench = {
  name: "checkout",
  title: "checkout start: requests/s of the donate form POST up to the Stripe call (local stub), 64 connections",
  async run({ databaseUrl }) {
    ensureBuild();
    const stub = await startStripeStub();
    let server: RunningServer | undefined;
    let one: Recorded, options: Omit<LoadOptions, "url"> & { method: "POST" }, csrf: string;
    let app: LoadResult, stubCalls: string;
    try {
      // Rate limits would (rightly) stop one address sending thousands of checkouts: every request
      // comes from its own address behind a trusted proxy, and the limits are raised as far as the
      // environment allows (CHECKOUT_LIMIT_*; unknown variables are ignored).
      server = await startServer({
        DATABASE_URL: databaseUrl,
        STRIPE_SECRET_KEY: BENCH_STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
        STRIPE_API_BASE: stub.base,
        TRUST_PROXY: "1",
        CHECKOUT_LIMIT_PER_IP: "10000",
        CHECKOUT_LIMIT_PER_EMAIL: "10000",
        CHECKOUT_HARD_LIMIT_PER_HOUR: "10000",
      });
      const page = await fetch(`${server.origin}/`);
      const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
      const token = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
      if (!cookie || !token) throw new Error("no CSRF cookie and token on /");
      csrf = token;
      const headers = { "content-type": "application/x-www-form-urlencoded", cookie, origin: server.origin };
      one = await record(`${server.origin}/?index`, {
        method: "POST",
        headers: { ...headers, "x-forwarded-for": forwardedFor() },
        body: formBody(csrf),
      });
      if (one.status !== 303 || !/checkout\.stripe\.com/.test(one.headers.location ?? ""))
        throw new Error(`the donate form answered ${one.status} ${one.body.toString().slice(0, 300)}`);

      options = {
        connections: CONNECTIONS,
        duration: SECONDS,
        method: "POST",
        headers,
        warmup: { connections: CONNECTIONS, duration: 3 },
      };
      const requests = [
        {
          setupRequest: (request: Request) => ({
            ...request,
            headers: { ...headers, "x-forwarded-for": forwardedFor() },
            body: formBody(token),
          }),
        },
      ];
      console.log(`app run: ${machineNote()} before`);
      app = await load({ url: `${server.origin}/?index`, ...options, requests });
      console.log(`app run: ${machineNote()} after`);
      const redirects = app.statuses["303"] ?? 0;
      if (redirects < app.total * 0.99)
        throw new Error(
          `only ${redirects} of ${app.total} checkouts were redirected to Stripe: ${JSON.stringify(app.statuses)}\n${server.output().slice(-1500)}`,
        );
    } finally {
      await server?.stop();
      stubCalls = await stub.stop();
    }

    // The app and the Stripe stub are stopped: the bare server is measured while nothing else of ours runs.
    console.log(`bare run (app stopped): ${machineNote()} before`);
    const bare = await startBareServer(one);
    let ceiling;
    try {
      ceiling = await load({ url: `${bare.origin}/?index`, ...options, body: formBody(csrf) });
    } finally {
      await bare.close();
    }
    console.log(`bare run (app stopped): ${machineNote()} after`);
    console.log(
      `app: ${JSON.stringify(app)}\nbare: ${JSON.stringify(ceiling)}\nStripe stub answered ${stubCalls} calls`,
    );
    const ratio = app.requestsPerSecond / ceiling.requestsPerSecond;
    return [
      {
        benchmark: "3 checkout start: rate",
        figure: `${fmt(app.requestsPerSecond)} req/s (p99 ${fmt(app.p99)} ms)`,
        baseline: `${fmt(ceiling.requestsPerSecond)} req/s (bare node:http, same bytes, app stopped)`,
        ratio,
        target: "≥ 20% of baseline",
        met: ratio >= 0.2,
      },
    ] satisfies Result[];
  },
};
