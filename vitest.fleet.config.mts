import { defineConfig } from "vitest/config";
import { aliases } from "./vitest.shared";

// `npm run test:fleet`: the several-servers test (tests/fleet), its own CI step after `npm test`
// (which does not include it). One file, one worker: it runs three app servers and nginx.
export default defineConfig({
  resolve: { alias: aliases },
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
