// The pieces of the several-servers test (several-servers.fleet.ts): app servers on fixed loopback
// ports, nginx run from deploy/nginx/fighting-fund.conf.template, local stand-ins for Stripe's
// and Resend's APIs, and an HTTP client that can speak from any loopback address.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getResponse } from "msw";
import { createStripeMock } from "../mocks/stripe";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const NGINX_TEMPLATE = path.join(ROOT, "deploy", "nginx", "fighting-fund.conf.template");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP from a chosen loopback address (the whole of 127.0.0.0/8 is this machine), one connection
// per request, so each simulated reader has an address of their own.

export type Reply = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  startedAt: number;
  finishedAt: number;
};

export function send(
  url: string,
  {
    method = "GET",
    headers = {},
    body,
    from = "127.0.0.1",
    timeoutMs = 30_000,
  }: { method?: string; headers?: Record<string, string>; body?: string; from?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
        localAddress: from,
        agent: false,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text,
            startedAt,
            finishedAt: Date.now(),
          }),
        );
        response.on("error", reject);
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** A request whose body is sent in two parts, so it is in flight for as long as the caller likes. */
export function sendInTwoParts(
  url: string,
  { headers, body, from = "127.0.0.1" }: { headers: Record<string, string>; body: string; from?: string },
) {
  const startedAt = Date.now();
  let request!: http.ClientRequest;
  const reply = new Promise<Reply>((resolve, reject) => {
    request = http.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        localAddress: from,
        agent: false,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text,
            startedAt,
            finishedAt: Date.now(),
          }),
        );
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error("no answer within 30 s")));
    request.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  request.flushHeaders();
  return { reply, finish: () => request.end(body.slice(half)) };
}

/** The cookie pairs (name=value) a response sets, merged over the ones held. */
export function withCookies(held: string, response: Reply): string {
  const jar = new Map(
    held
      .split("; ")
      .filter(Boolean)
      .map((pair) => [pair.split("=")[0], pair] as const),
  );
  for (const line of response.headers["set-cookie"] ?? []) {
    const pair = line.split(";")[0];
    jar.set(pair.split("=")[0], pair);
  }
  return [...jar.values()].join("; ");
}

// ---------------------------------------------------------------------------------------------
// Stripe's API, as tests/mocks/stripe.ts models it, served over HTTP for the app servers (they
// point the SDK here with STRIPE_API_BASE, as the benchmarks do). Checkout Sessions created for
// an email containing "slow" are answered after `slowMs`: a request kept in flight on purpose.

export async function startStripeApi({ slowMs = 1500 } = {}) {
  const mock = createStripeMock();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const request = new Request(`https://api.stripe.com${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "DELETE" ? undefined : body,
      });
      if (req.method === "POST" && req.url === "/v1/checkout/sessions" && /slow/.test(decodeURIComponent(body)))
        await sleep(slowMs);
      const response =
        (await getResponse(mock.handlers, request)) ??
        Response.json(
          { error: { type: "invalid_request_error", message: `fleet stub: no ${req.method} ${req.url}` } },
          { status: 404 },
        );
      const bytes = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, {
        "content-type": response.headers.get("content-type") ?? "application/json",
        "content-length": String(bytes.length),
        "request-id": response.headers.get("request-id") ?? "req_fleet",
      });
      res.end(bytes);
    });
  });
  const base = await listen(server);
  return { base, mock, close: () => close(server) };
}

// Resend's POST /emails (the SDK honours RESEND_BASE_URL), remembering each Idempotency-Key as
// Resend does: a repeated key is answered with the first message id and sends nothing.
export async function startResendApi() {
  const requestsByKey = new Map<string, number>();
  const withoutKey: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/emails") {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ statusCode: 404, name: "not_found", message: "fleet stub" }));
        return;
      }
      const key = req.headers["idempotency-key"];
      if (typeof key === "string") requestsByKey.set(key, (requestsByKey.get(key) ?? 0) + 1);
      else withoutKey.push(String(Date.now()));
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ id: `re_fleet_${typeof key === "string" ? key : Date.now()}` }));
    });
  });
  const base = await listen(server);
  return { base, requestsByKey, withoutKey, close: () => close(server) };
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------------
// App servers: `node server.mjs` from the build, on a fixed port, so a restarted one comes back
// where nginx expects it. Output is kept whole: the scheduled jobs' runs are read from it.

export type AppServer = {
  name: string;
  port: number;
  origin: string;
  /** Every line every process of this server printed, restarts included. */
  output: () => string;
  pid: () => number | undefined;
  alive: () => boolean;
  /** Starts the process; resolves once `readyPath` answers 200. */
  start: () => Promise<void>;
  /** Sends SIGTERM; resolves with the time the process exited (SIGKILL after `timeoutMs`). */
  terminate: (
    timeoutMs?: number,
  ) => Promise<{ exitedAt: number; code: number | null; signal: string | null; killed: boolean }>;
  kill: () => Promise<void>;
};

export function appServer(
  name: string,
  port: number,
  env: Record<string, string>,
  { readyPath }: { readyPath: string },
): AppServer {
  let child: ChildProcess | undefined;
  let output = "";
  let exited: Promise<{ code: number | null; signal: string | null; at: number }> = Promise.resolve({
    code: 0,
    signal: null,
    at: Date.now(),
  });
  const origin = `http://127.0.0.1:${port}`;
  const alive = () => !!child && child.exitCode === null && child.signalCode === null;

  const start = async () => {
    if (!existsSync(path.join(ROOT, "build", "index.js")))
      throw new Error("build/index.js is missing: run `npx remix build` first");
    const proc = spawn(process.execPath, ["server.mjs"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? os.tmpdir(),
        TMPDIR: os.tmpdir(),
        NODE_ENV: "production",
        ...env,
        PORT: String(port),
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (!alive()) throw new Error(`${name} exited before it was ready:\n${output.slice(-3000)}`);
      const ready = await send(`${origin}${readyPath}`, { timeoutMs: 2000 }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(`${name} did not answer ${readyPath} with 200 within 45 s:\n${output.slice(-3000)}`);
      await sleep(100);
    }
  };

  const terminate = async (timeoutMs = 20_000) => {
    if (!alive()) {
      const done = await exited;
      return { exitedAt: done.at, code: done.code, signal: done.signal, killed: false };
    }
    child!.kill("SIGTERM");
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child?.kill("SIGKILL");
    }, timeoutMs);
    const done = await exited;
    clearTimeout(timer);
    return { exitedAt: done.at, code: done.code, signal: done.signal, killed };
  };

  const kill = async () => {
    if (!alive()) return;
    child!.kill("SIGKILL");
    await exited;
  };

  return { name, port, origin, output: () => output, pid: () => child?.pid, alive, start, terminate, kill };
}

// ---------------------------------------------------------------------------------------------
// nginx: Debian's binary as our own process, prefix, config, pid and logs in a temp directory.

export type Nginx = {
  origin: string;
  dir: string;
  accessLog: () => string;
  errorLog: () => string;
  stop: () => Promise<void>;
};

export function renderNginxSite(vars: {
  FF_LISTEN: string;
  FF_UPSTREAM_SERVERS: string;
  FF_ACCESS_LOG: string;
}): string {
  const template = readFileSync(NGINX_TEMPLATE, "utf8");
  // Like the nginx image's envsubst: only these names; nginx's own $variables are left alone.
  const rendered = template.replace(/\$\{(FF_[A-Z_]+)\}/g, (whole, name: string) => {
    if (!(name in vars)) throw new Error(`the nginx template uses \${${name}}, which the test does not fill in`);
    return vars[name as keyof typeof vars];
  });
  return rendered;
}

export async function startNginx({ port, upstreams }: { port: number; upstreams: number[] }): Promise<Nginx> {
  const binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].find(existsSync);
  if (!binary) throw new Error("nginx is not installed (apt-get install -y nginx-light)");
  const dir = mkdtempSync(path.join(os.tmpdir(), "ff-fleet-nginx-"));
  const accessLog = path.join(dir, "access.log");
  const errorLog = path.join(dir, "error.log");
  const site = renderNginxSite({
    FF_LISTEN: `127.0.0.1:${port}`,
    FF_UPSTREAM_SERVERS: upstreams.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join("\n    "),
    FF_ACCESS_LOG: accessLog,
  });
  writeFileSync(path.join(dir, "fighting-fund.conf"), site);
  // The main file stands in for /etc/nginx/nginx.conf: everything this process writes stays in `dir`.
  writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${errorLog} warn;`,
      "events { worker_connections 1024; }",
      "http {",
      `  client_body_temp_path ${dir}/client_body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      `  include ${dir}/fighting-fund.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const check = spawnSync(binary, ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", errorLog], {
    encoding: "utf8",
  });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child = spawn(binary, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", errorLog], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGQUIT"); // graceful: finish what is in flight
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${stderr}\n${read(errorLog)}`);
    if (
      await send(`${origin}/healthz`, { timeoutMs: 1000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on ${origin} within 10 s:\n${stderr}`);
    }
    await sleep(50);
  }
  return { origin, dir, accessLog: () => read(accessLog), errorLog: () => read(errorLog), stop };
}
