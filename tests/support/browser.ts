import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { inject } from "vitest";
import { CHROMIUM_PACKAGE, CHROMIUM_PATH } from "./browser-path";
import { createScratchDatabase } from "./scratch-database";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export { CHROMIUM_PATH };
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  // What a test browser does not need, measured: 13% less CPU over a browser file.
  "--disable-features=site-per-process,IsolateOrigins,Translate,OptimizationHints,MediaRouter,BackForwardCache,PaintHolding",
  "--disable-extensions",
  "--disable-dev-shm-usage",
  "--disable-renderer-backgrounding",
  "--disable-background-timer-throttling",
  "--mute-audio",
  "--no-zygote",
  // No host but this machine resolves: a request to any other origin fails inside Chromium and is
  // recorded by withPage's request listener, without routing every request through the test
  // process (interception cost a third of the browser's CPU).
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
];

export type AppServer = {
  /** http://127.0.0.1:<port>, no trailing slash. */
  origin: string;
  /** Everything the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
};

/**
 * A fresh database for one server: a new PostgreSQL database when DATABASE_URL is set (CI), else a
 * temp PGlite dir. On PostgreSQL it is a copy of the run's migrated template (global-setup.ts)
 * when there is one, as createTestDatabase's are: the server still runs the migrator at start,
 * which finds nothing left to apply (migrating an empty database is first-start.test.ts's and
 * the template's own).
 */
async function createServerDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ff-e2e-"));
    return { env: { PGLITE_DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const scratch = await createScratchDatabase(adminUrl, "ff_e2e", {
    template: inject("templateDatabase") || undefined,
  });
  // The server has exited when this runs: the drop goes on while the next file starts.
  return { env: { DATABASE_URL: scratch.url }, drop: scratch.dropLater };
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export type StartOptions = {
  timeoutMs?: number;
  /**
   * Runs against the server's fresh database before the server starts (an embedded database
   * cannot be shared with a running server), e.g. `createStaffAccount`.
   */
  prepare?: (databaseEnv: Record<string, string>) => Promise<void>;
  /** Extra environment for the server (e.g. LOG_LEVEL, APP_URL), over the defaults below. */
  env?: Record<string, string>;
};

/**
 * Creates a staff account in the database `databaseEnv` names, migrating it first, the way
 * `npm run staff -- create` does (same schema, same function; the command itself is
 * staff-cli.test.ts's). In process: starting the command through tsx cost ~1.7 s of CPU a file.
 */
export async function createStaffAccount(
  databaseEnv: Record<string, string>,
  staff: { email: string; name: string; role: "admin" | "staff"; password: string },
) {
  const [{ openDatabase }, { NewStaffSchema, upsertStaffAccount }] = await Promise.all([
    import("@db/client.server"),
    import("~/auth/staff-accounts.server"),
  ]);
  const handle = await openDatabase({
    url: databaseEnv.DATABASE_URL,
    dataDir: databaseEnv.PGLITE_DATA_DIR,
    poolSize: 1,
  });
  try {
    await upsertStaffAccount(handle.db, NewStaffSchema.parse(staff));
  } finally {
    await handle.close();
  }
}

/**
 * Starts `node server.mjs` from the existing build on an ephemeral port with a fresh database,
 * and resolves once it prints its address. The server gets its own environment, not the test
 * process's (which says NODE_ENV=test): the dev mailbox only exists in development.
 */
export async function startAppServer({ timeoutMs = 45_000, prepare, env = {} }: StartOptions = {}): Promise<AppServer> {
  if (!existsSync(path.join(root, "build", "index.js")))
    throw new Error("build/index.js is missing: run `npx remix build` before the e2e tests");
  const database = await createServerDatabase();
  if (prepare) {
    try {
      await prepare(database.env);
    } catch (error) {
      await database.drop();
      throw error;
    }
  }
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      OUTBOX_POLL_MS: "200",
      LOG_LEVEL: "warn",
      ...env,
      ...database.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await waitForExit(child, 10_000))) {
        child.kill("SIGKILL");
        await waitForExit(child, 5_000);
      }
    }
    await database.drop();
  };

  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server did not print its address within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = () => {
        const match = /Fighting Fund is running at http:\/\/localhost:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening`));
      });
    });
    return { origin: `http://127.0.0.1:${port}`, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output}`);
  }
}

/**
 * Debian's Chromium, never a downloaded browser. Missing is a failure, not a skip: call this at
 * the top of a browser test file, so the file fails to load (a hook failure would only mark
 * its tests skipped).
 */
export function requireChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the browser tests cannot run. Install it with \`apt-get install -y ${CHROMIUM_PACKAGE}\` (or set CHROMIUM_PATH).`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export type E2E = {
  server: AppServer;
  browser: Browser;
  url: (pathname: string) => string;
  /**
   * A browser context that records every request: a request to any origin but the app's is
   * blocked and fails the test when the context closes, as does an uncaught page error.
   */
  withPage: (
    options: BrowserContextOptions,
    run: (page: Page, context: BrowserContext) => Promise<void>,
  ) => Promise<void>;
  close: () => Promise<void>;
};

/** One server (fresh database) and one browser for a test file. */
export async function startE2E(options: Pick<StartOptions, "prepare" | "env"> = {}): Promise<E2E> {
  const [server, browser] = await Promise.allSettled([startAppServer(options), launchChromium()]);
  if (server.status === "rejected" || browser.status === "rejected") {
    if (server.status === "fulfilled") await server.value.stop();
    if (browser.status === "fulfilled") await browser.value.close();
    throw server.status === "rejected" ? server.reason : (browser as PromiseRejectedResult).reason;
  }
  const app = server.value;
  const origin = app.origin;
  return {
    server: app,
    browser: browser.value,
    url: (pathname) => new URL(pathname, origin).toString(),
    async withPage(options, run) {
      const context = await browser.value.newContext({ baseURL: origin, ...options });
      context.setDefaultTimeout(10_000);
      const foreign: string[] = [];
      const pageErrors: string[] = [];
      // Every request to another origin is recorded here; Chromium cannot reach it (CHROMIUM_ARGS).
      context.on("request", (request) => {
        const url = request.url();
        if (/^(https?|wss?):/.test(url) && new URL(url).origin !== origin) foreign.push(`${request.method()} ${url}`);
      });
      context.on("page", (page) => watchPage(page, pageErrors));
      // A Content-Security-Policy violation breaks hydration silently: each one fails the test.
      await context.exposeBinding("__reportCspViolation", ({ frame }, what: string) =>
        pageErrors.push(`${frame.url()}: CSP violation: ${what}`),
      );
      await context.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          const report = (window as unknown as { __reportCspViolation: (what: string) => void }).__reportCspViolation;
          report(
            `${event.effectiveDirective} blocked ${event.blockedURI || "an inline script or style"} (${event.sourceFile || "the page"}:${event.lineNumber})`,
          );
        });
      });
      const page = await context.newPage();
      let failure: unknown;
      try {
        await run(page, context);
      } catch (error) {
        failure = error;
      } finally {
        await context.close();
      }
      if (failure) throw failure;
      if (foreign.length > 0)
        throw new Error(`the pages made requests to hosts other than ${origin}:\n  ${foreign.join("\n  ")}`);
      if (pageErrors.length > 0) throw new Error(`the pages reported errors:\n  ${pageErrors.join("\n  ")}`);
    },
    async close() {
      await Promise.allSettled([browser.value.close(), app.stop()]);
    },
  };
}

function watchPage(page: Page, errors: string[]) {
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    // A 4xx answer to a form post is the app working (validation), not a page error.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      errors.push(`${page.url()}: console.error ${message.text()}`);
    // Without JavaScript (or in a sandboxed frame) no listener runs: the browser's own report is all there is.
    else if (/Content Security Policy|Permissions-Policy/i.test(message.text()))
      errors.push(`${page.url()}: console.${message.type()} ${message.text()}`);
  });
}

/**
 * Resolves once the page's JavaScript has taken over: React has hydrated it (the footer carries
 * React's fiber) or, on a page sent without React (the campaign page, ADR 019), its own script
 * has enhanced the donate form.
 */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => {
    if (document.querySelector(".donate-form[data-enhanced]")) return true;
    const footer = document.querySelector(".site-footer");
    return footer !== null && Object.keys(footer).some((key) => key.startsWith("__reactFiber"));
  });
}

export type NoJsBrowser = {
  jar: Map<string, string>;
  /** Every Set-Cookie header received, in order. */
  setCookies: string[];
  request(
    path: string,
    init?: { form?: Record<string, string>; method?: string; headers?: Record<string, string> },
  ): Promise<Response>;
};

/**
 * A browser without JavaScript: keeps cookies, follows no redirect by itself, and posts forms
 * from the page it is on (with its Origin). `origin` is read at each request, so it can be made
 * before the server starts.
 */
export function noJsBrowser(origin: () => string): NoJsBrowser {
  const jar = new Map<string, string>();
  const setCookies: string[] = [];
  return {
    jar,
    setCookies,
    async request(path, init = {}) {
      const response = await fetch(new URL(path, origin()), {
        method: init.method ?? (init.form ? "POST" : "GET"),
        redirect: "manual",
        headers: {
          Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          ...(init.form ? { "Content-Type": "application/x-www-form-urlencoded", Origin: origin() } : {}),
          ...init.headers,
        },
        body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      });
      for (const cookie of response.headers.getSetCookie()) {
        setCookies.push(cookie);
        const [pair] = cookie.split(";");
        const eq = pair.indexOf("=");
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return response;
    },
  };
}
