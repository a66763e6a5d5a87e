import { defineConfig } from "vitest/config";
import { aliases } from "./vitest.shared";
import LongestFirstSequencer from "./tests/support/sequencer";

export default defineConfig({
  resolve: { alias: aliases },
  esbuild: { jsx: "automatic" },
  test: {
    include: ["tests/**/*.test.{ts,tsx}"],
    environment: "node",
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/setup.ts"],
    // Browser tests share two cores with a server and a database: generous, but still a bound.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A worker process runs file after file instead of starting afresh for each: node_modules
    // stay loaded, while tests/support/setup.ts has every module of ours (app, db, emails, tests)
    // evaluated afresh for each file and restores the environment, so no file sees another's
    // module state. Starting a process and loading node_modules was a third of the suite's time.
    isolate: false,
    fileParallelism: true,
    // Two, on two cores. A third ran in the others' waits, but three browser files at once
    // timed out on a busy machine (docs/performance.md, "Test suite time").
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ["default", "./tests/support/summary-reporter.ts", "./tests/support/browser-check-reporter.ts"],
  },
});
