import { afterEach, beforeEach, vi } from "vitest";

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
