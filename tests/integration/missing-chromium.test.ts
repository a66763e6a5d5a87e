import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("a run with browser tests on a machine without Chromium", () => {
  it("stops before any file runs, with one line naming the package to install", () => {
    const run = spawnSync(
      process.execPath,
      [
        path.join(root, "node_modules", "vitest", "vitest.mjs"),
        "run",
        "tests/e2e/content-security-policy.test.ts",
        "tests/unit/money.test.ts",
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          CHROMIUM_PATH: "/nonexistent/chromium",
          DATABASE_URL: "",
          VITEST: "",
          VITEST_WORKER_ID: "",
          VITEST_POOL_ID: "",
        },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(1);
    const said = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const lines = said.split("\n").filter((line) => /chromium/i.test(line));
    expect(lines).toEqual([
      "Chromium is not installed at /nonexistent/chromium, so the browser tests (1 file) cannot run: install it with `apt-get install -y chromium-headless-shell` (or set CHROMIUM_PATH), or run the other tests with `npm run test:unit`.",
    ]);
    // Nothing ran: no file's failure, just the one line and the summary CI reads.
    expect(said).not.toMatch(/FAIL|Error:/);
    expect(said).toContain("Tests: 0 passed, 1 failed");
  });
});
