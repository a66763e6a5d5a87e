import path from "node:path";
import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./tests/support/sequencer";

const root = path.dirname(new URL(import.meta.url).pathname);

export default defineConfig({
  resolve: {
    alias: {
      "~": path.join(root, "app"),
      "@db": path.join(root, "db"),
      "@emails": path.join(root, "emails"),
    },
  },
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
    isolate: false,
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ["default", "./tests/support/summary-reporter.ts", "./tests/support/typecheck-early.ts"],
  },
});
