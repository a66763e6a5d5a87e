import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../support/scratch-database";
import { spawnServer, type ServerProcess } from "../support/server-process";

/**
 * The built server at its edge, as a proxy and a client meet it (ADR 028): which address it keys
 * limits on behind TRUST_PROXY, and the graceful drain on SIGTERM. One server for the whole file;
 * the drain stops it, so it comes last.
 */

let server: ServerProcess;
let dropDatabase: () => Promise<void>;
beforeAll(async () => {
  let databaseEnv: Record<string, string>;
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL, "ff_test_edge");
    databaseEnv = { DATABASE_URL: scratch.url };
    dropDatabase = scratch.drop;
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ff-edge-"));
    databaseEnv = { PGLITE_DATA_DIR: dir };
    dropDatabase = () => rm(dir, { recursive: true, force: true });
  }
  server = await spawnServer({
    ...databaseEnv,
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

describe("behind one proxy (TRUST_PROXY=1)", () => {
  it("keys per-address checkout limits on the hop the proxy appended, whatever the client wrote before it", async () => {
    const { cookie, token } = await formSession("/");
    const give = async (forwardedFor: string) => {
      const response = await fetch(new URL("/?index", server.origin), {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: server.origin, "X-Forwarded-For": forwardedFor },
        body: new URLSearchParams({ csrf: token, currency: "AUD", frequency: "once", amount: "2500", email: `edge${Math.random().toString(36).slice(2)}@example.net` }).toString(),
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
  it("lets a request in flight finish with its answer, refuses new connections, and exits 0", async () => {
    const { cookie, token } = await formSession("/account/sign-in");
    const body = new URLSearchParams({ csrf: token, email: "drain.reader@example.net" }).toString();
    const half = Math.floor(body.length / 2);
    let sendTheRest = () => {};
    const answer = new Promise<{ status: number; location: string | undefined; connection: string | undefined }>((resolve, reject) => {
      const request = http.request(
        new URL("/account/sign-in", server.origin),
        {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(Buffer.byteLength(body)), Cookie: cookie, Origin: server.origin },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, connection: response.headers.connection }));
        },
      );
      request.on("error", reject);
      // Half the form now: the server has the request in hand and waits for the rest.
      request.write(body.slice(0, half));
      sendTheRest = () => request.end(body.slice(half));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    process.kill(server.pid, "SIGTERM");
    await waitFor(() => /SIGTERM received: draining 1 request/.test(server.output()), "the server says it drains one request");
    await expect(fetch(new URL("/healthz", server.origin)), "a new connection is refused").rejects.toThrow();

    sendTheRest();
    expect(await answer).toEqual({ status: 303, location: "/account/sign-in?sent=1", connection: "close" });
    await waitFor(() => !server.alive(), "the server exits once the request is done");
    expect(server.exitCode(), server.output()).toBe(0);
  }, 30_000);
});

async function waitFor(condition: () => boolean, what: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}\n--- server output ---\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
