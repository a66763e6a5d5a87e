import { afterEach, beforeEach, vi } from "vitest";

// A worker runs many test files one after another (vitest.config.mts: isolate: false). Each file
// still gets its own copy of every module of ours (app, db, emails, tests): forgetting them here,
// before the file is imported, has them evaluated afresh, with fresh module state (caches, env,
// the process's database). Only node_modules stay loaded, as Node caches them.
vi.resetModules();
// The server's message catalogues, as app/entry.server.tsx installs them for the app (ADR 049).
await import("~/i18n/catalogue.server");

// The environment as the worker started, restored before each file: a file that sets a variable
// and forgets it cannot change the next file's start.
const startEnv = ((globalThis as { __ffStartEnv?: Record<string, string | undefined> }).__ffStartEnv ??= {
  ...process.env,
});
for (const key of Object.keys(process.env)) if (!(key in startEnv)) delete process.env[key];
Object.assign(process.env, startEnv);

// Every test file starts from the same, key-less environment; tests that need Stripe or Resend
// set their variables explicitly and reset the cached env.
process.env.NODE_ENV = "test";
process.env.LOG_LEVEL = "silent";
delete process.env.STRIPE_SECRET_KEY;
delete process.env.STRIPE_WEBHOOK_SECRET;
delete process.env.RESEND_API_KEY;
delete process.env.MAIL_FROM;
process.env.APP_URL = "http://localhost:3000";

// An unexpected console.error is a bug somewhere: fail the test that caused it.
let consoleErrors: unknown[][] = [];
beforeEach(() => {
  consoleErrors = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  if (consoleErrors.length > 0) {
    const first = consoleErrors[0].map(String).join(" ");
    throw new Error(`console.error was called ${consoleErrors.length} time(s): ${first.slice(0, 500)}`);
  }
});
