import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.dirname(new URL(import.meta.url).pathname);

// `npm run test:fleet`: the several-servers test (tests/fleet), its own CI step after `npm test`
// (which does not include it). One file, one worker: it runs three app servers and nginx.
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
    include: ["tests/fleet/**/*.fleet.ts"],
    environment: "node",
    setupFiles: ["tests/support/setup.ts"],
    testTimeout: 150_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default", "./tests/support/summary-reporter.ts"],
  },
});
