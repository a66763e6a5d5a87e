import { spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@db/client.server";
import { outbox, supporters } from "@db/schema";
import { createScratchDatabase } from "../support/scratch-database";
import { spawnServer, type ServerProcess } from "../support/server-process";

/**
 * The built server at its edge, as a proxy and a client meet it (ADR 028): a production demo
 * that says so on every page, which address it keys limits on behind TRUST_PROXY, and the
 * graceful drain on SIGTERM. One server for the whole file; the drain stops it, so it comes last.
 */

const root = path.resolve(__dirname, "../..");
const PRODUCTION = {
  NODE_ENV: "production" as const,
  APP_URL: "http://127.0.0.1",
  SESSION_SECRET: "server-edge-test-secret-of-32-characters-or-more",
};

// Two supporters, so that a sign-in form asks for a link to be written to the outbox.
const OVERSIZED_EMAIL = "oversized.reader@example.net";
const ORDINARY_EMAIL = "ordinary.reader@example.net";

let server: ServerProcess;
let databaseEnv: Record<string, string>;
let dropDatabase: () => Promise<void>;
beforeAll(async () => {
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL, "ff_test_edge");
    databaseEnv = { DATABASE_URL: scratch.url };
    dropDatabase = scratch.drop;
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ff-edge-"));
    databaseEnv = { PGLITE_DATA_DIR: dir };
    dropDatabase = () => rm(dir, { recursive: true, force: true });
  }
  const handle = await openDatabase({ url: databaseEnv.DATABASE_URL, dataDir: databaseEnv.PGLITE_DATA_DIR });
  try {
    await handle.db.insert(supporters).values([
      { email: OVERSIZED_EMAIL, name: "Oversized Reader" },
      { email: ORDINARY_EMAIL, name: "Ordinary Reader" },
    ]);
  } finally {
    await handle.close();
  }
  server = await spawnServer({
    ...databaseEnv,
    ...PRODUCTION,
    DEMO_MODE: "true",
    TRUST_PROXY: "1",
    CHECKOUT_LIMIT_PER_IP: "2",
    CHECKOUT_HARD_LIMIT_PER_HOUR: "0",
    OUTBOX_POLL_MS: "60000",
    SHUTDOWN_GRACE_SECONDS: "20",
  });
}, 90_000);
afterAll(async () => {
  await server?.kill();
  await dropDatabase?.();
});

/** A reader's cookie and CSRF token from a page with a form. */
async function formSession(pagePath: string) {
  const page = await fetch(new URL(pagePath, server.origin));
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const token = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  expect(cookie && token, `${pagePath} gives a CSRF cookie and token`).toBeTruthy();
  return { cookie, token: token! };
}

describe("production refuses to pretend", () => {
  it("will not start without Stripe and Resend keys, one line for each, unless DEMO_MODE=true", () => {
    const result = spawnSync(process.execPath, ["server.mjs"], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: "0", ...PRODUCTION },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.split("\n").filter((line) => /^\s+(STRIPE_SECRET_KEY|RESEND_API_KEY):/.test(line));
    expect(lines.map((line) => line.trim().split(":")[0])).toEqual(["STRIPE_SECRET_KEY", "RESEND_API_KEY"]);
    expect(lines.join("\n")).toMatch(/set DEMO_MODE=true only for a demonstration/);
  });

  it("a production demo says so on every page (cached public pages, staff, supporters, not found), and has no dev mailbox", async () => {
    for (const pagePath of [
      "/",
      "/",
      "/c/defence-fund",
      "/support",
      "/admin/sign-in",
      "/account/sign-in",
      "/no-such-page",
    ]) {
      const response = await fetch(new URL(pagePath, server.origin));
      const html = await response.text();
      expect(response.status, pagePath).toBe(pagePath === "/no-such-page" ? 404 : 200);
      expect(html, pagePath).toMatch(
        /<p class="demo-banner" role="note">Demo mode: payments are simulated and no money moves\.(<!-- -->)? (<!-- -->)?Emails are not sent\.<\/p>/,
      );
      expect(html, pagePath).not.toContain("/dev/mailbox");
    }
    for (const pagePath of ["/dev/mailbox", "/dev/mailbox/1"])
      expect((await fetch(new URL(pagePath, server.origin))).status, pagePath).toBe(404);
  });
});

describe("what the server refuses before anything reads a request", () => {
  it("an oversized sign-in form gets a plain 413 and nothing is written, whether its length is declared or it comes chunked", async () => {
    const { cookie, token } = await formSession("/account/sign-in");
    const headers = { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: server.origin };
    const prefix = `csrf=${encodeURIComponent(token)}&email=${encodeURIComponent(OVERSIZED_EMAIL)}&padding=`;
    const declared = await postUntilAnswered(
      "/account/sign-in",
      { ...headers, "Content-Length": String(prefix.length + 70 * 1024) },
      prefix,
    );
    expect(declared).toMatchObject({ status: 413, connection: "close", type: "text/plain; charset=utf-8" });
    expect(declared.body).toMatch(/^Too much was sent: a form may be at most 64 KiB\.$/m);
    const chunked = await postUntilAnswered("/account/sign-in", { ...headers, "Transfer-Encoding": "chunked" }, prefix);
    expect(chunked).toMatchObject({ status: 413, connection: "close" });
    expect(chunked.sent).toBeGreaterThan(64 * 1024);
    // The same form at an ordinary size goes through (what each wrote is read once the server
    // has stopped, at the end of this file: an embedded database has one user at a time).
    const ordinary = await fetch(new URL("/account/sign-in", server.origin), {
      method: "POST",
      redirect: "manual",
      headers,
      body: `csrf=${encodeURIComponent(token)}&email=${encodeURIComponent(ORDINARY_EMAIL)}&padding=x`,
    });
    expect({ status: ordinary.status, location: ordinary.headers.get("Location") }).toEqual({
      status: 303,
      location: "/account/sign-in?sent=1",
    });
  });

  it("TRACE, CONNECT and other unused methods get 405 with Allow, on every kind of path", async () => {
    const answers: Record<string, unknown> = {};
    for (const pagePath of ["/", "/c/defence-fund", "/admin", "/webhooks/stripe", "/no-such-page"]) {
      for (const method of ["TRACE", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const answer = await rawRequest(method, pagePath);
        answers[`${method} ${pagePath}`] = { status: answer.status, allow: answer.allow };
        expect(answer.body, `${method} ${pagePath}`).toBe("Method not allowed.\n");
      }
    }
    const expected = (allow: string) => ({ status: 405, allow });
    expect(answers).toEqual(
      Object.fromEntries(
        Object.keys(answers).map((key) => [
          key,
          expected(key.endsWith(" /webhooks/stripe") ? "POST" : "GET, HEAD, POST"),
        ]),
      ),
    );
    // CONNECT is handed over by Node as a tunnel request; TRACK is not HTTP, and Node's parser
    // answers it with 400 before the app sees it.
    expect(await connectRequest()).toEqual({ status: 405, allow: "GET, HEAD, POST" });
    expect((await rawRequest("TRACK", "/")).status).toBe(400);
  });

  it("serves its own favicon, and a page that does not exist is a 404 that is not logged as an error", async () => {
    const icon = await fetch(new URL("/favicon.ico", server.origin));
    expect({ status: icon.status, type: icon.headers.get("Content-Type") }).toEqual({
      status: 200,
      type: "image/x-icon",
    });
    expect((await fetch(new URL("/favicon.svg", server.origin))).status).toBe(200);
    const page = await (await fetch(new URL("/", server.origin))).text();
    expect(page).toMatch(/<link rel="icon" href="\/favicon.ico" sizes="32x32"\/>/);

    for (const pagePath of ["/apple-touch-icon.png", "/wp-login.php", "/no-such-page"])
      expect((await fetch(new URL(pagePath, server.origin))).status, pagePath).toBe(404);
    const { cookie, token } = await formSession("/");
    const posted = await fetch(new URL("/no-such-page", server.origin), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: server.origin },
      body: `csrf=${token}`,
    });
    expect(posted.status).toBe(404);
    // A form posted to a page that takes none: Remix's own 405, the client's mistake too. (The
    // thank-you page takes one now: making a gift monthly.)
    expect(
      (
        await fetch(new URL("/privacy", server.origin), {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: server.origin },
          body: "a=1",
        })
      ).status,
    ).toBe(405);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.output()).not.toMatch(/unhandled error|"level":50/);
  });
});

describe("behind one proxy (TRUST_PROXY=1)", () => {
  it("keys per-address checkout limits on the hop the proxy appended, whatever the client wrote before it", async () => {
    const { cookie, token } = await formSession("/");
    const give = async (forwardedFor: string) => {
      const response = await fetch(new URL("/?index", server.origin), {
        method: "POST",
        redirect: "manual",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Cookie: cookie,
          Origin: server.origin,
          "X-Forwarded-For": forwardedFor,
        },
        body: new URLSearchParams({
          csrf: token,
          currency: "AUD",
          frequency: "once",
          amount: "2500",
          email: `edge${Math.random().toString(36).slice(2)}@example.net`,
        }).toString(),
      });
      await response.arrayBuffer();
      return response.status;
    };
    // A client that writes a fresh address of its own into each request: the proxy appends the
    // address it saw (203.0.113.7), and only that one counts.
    const spoofed = [];
    for (let i = 1; i <= 3; i++) spoofed.push(await give(`1.2.3.${i}, 203.0.113.7`));
    expect(spoofed).toEqual([303, 303, 429]);
    // Another client behind the same proxy is not held back by the first one's limit.
    expect(await give("203.0.113.8")).toBe(303);
  });
});

describe("graceful drain on SIGTERM", () => {
  it("lets a request in flight finish with its answer, closes idle connections, refuses new ones, and exits 0", async () => {
    const { cookie, token } = await formSession("/account/sign-in");
    // A kept-alive connection with nothing in flight, as a proxy or browser holds one.
    const idle = await new Promise<import("node:net").Socket>((resolve, reject) => {
      const agent = new http.Agent({ keepAlive: true });
      const request = http.get(new URL("/readyz", server.origin), { agent }, (response) => {
        response.resume();
        response.on("end", () => resolve(request.socket!));
      });
      request.on("error", reject);
    });
    let idleClosed = false;
    idle.once("close", () => (idleClosed = true));
    const body = new URLSearchParams({ csrf: token, email: "drain.reader@example.net" }).toString();
    const half = Math.floor(body.length / 2);
    let sendTheRest = () => {};
    const answer = new Promise<{ status: number; location: string | undefined; connection: string | undefined }>(
      (resolve, reject) => {
        const request = http.request(
          new URL("/account/sign-in", server.origin),
          {
            method: "POST",
            headers: {
              "Content-Type": "application/x-www-form-urlencoded",
              "Content-Length": String(Buffer.byteLength(body)),
              Cookie: cookie,
              Origin: server.origin,
            },
          },
          (response) => {
            response.resume();
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                location: response.headers.location,
                connection: response.headers.connection,
              }),
            );
          },
        );
        request.on("error", reject);
        // Half the form now: the server has the request in hand and waits for the rest.
        request.write(body.slice(0, half));
        sendTheRest = () => request.end(body.slice(half));
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    process.kill(server.pid, "SIGTERM");
    await waitFor(
      () => /SIGTERM received: draining 1 request/.test(server.output()),
      "the server says it drains one request",
    );
    await expect(fetch(new URL("/healthz", server.origin)), "a new connection is refused").rejects.toThrow();
    await waitFor(() => idleClosed, "the idle kept-alive connection is closed");

    sendTheRest();
    expect(await answer).toEqual({ status: 303, location: "/account/sign-in?sent=1", connection: "close" });
    await waitFor(() => !server.alive(), "the server exits once the request is done");
    expect(server.exitCode(), server.output()).toBe(0);
  }, 30_000);
});

describe("once the server has stopped", () => {
  it("the oversized sign-in forms wrote nothing; the ordinary one wrote its link", async () => {
    expect(server.alive()).toBe(false);
    const handle = await openDatabase({ url: databaseEnv.DATABASE_URL, dataDir: databaseEnv.PGLITE_DATA_DIR });
    try {
      const mail = await handle.db
        .select({ to: outbox.toEmail, template: outbox.template })
        .from(outbox)
        .where(inArray(outbox.toEmail, [OVERSIZED_EMAIL, ORDINARY_EMAIL]));
      expect(mail.map((m) => m.to)).toEqual([ORDINARY_EMAIL]);
    } finally {
      await handle.close();
    }
  });
});

async function waitFor(condition: () => boolean, what: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}\n--- server output ---\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function connectRequest() {
  return new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
    const request = http.request(new URL(server.origin), { method: "CONNECT", path: "example.org:443" });
    request.on("connect", (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, allow: response.headers.allow });
    });
    request.on("error", reject);
    request.end();
  });
}

/** A request with any method, by hand (fetch refuses TRACE, TRACK and CONNECT). */
function rawRequest(method: string, pagePath: string) {
  return new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
    const request = http.request(new URL(pagePath, server.origin), { method }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, allow: response.headers.allow, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

/**
 * POSTs `prefix`, then 10 KB pieces (up to 100 KB) until the server answers; the answer and how
 * much was sent. Errors after the answer (the server closing on the rest of the body) are expected.
 */
function postUntilAnswered(pagePath: string, headers: Record<string, string>, prefix: string) {
  return new Promise<{
    status: number;
    body: string;
    type: string | undefined;
    connection: string | undefined;
    sent: number;
  }>((resolve, reject) => {
    let answered = false;
    let sent = 0;
    const request = http.request(new URL(pagePath, server.origin), { method: "POST", headers }, (response) => {
      answered = true;
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body,
          type: response.headers["content-type"],
          connection: response.headers.connection,
          sent,
        }),
      );
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const piece = "x".repeat(10 * 1024);
    const next = () => {
      if (answered || sent >= 100 * 1024) return void (answered || request.end());
      sent += piece.length;
      request.write(piece, () => setTimeout(next, 1));
    };
    request.flushHeaders();
    sent += prefix.length;
    request.write(prefix, () => next());
  });
}
