import { existsSync } from "node:fs";
import type { Reporter, TestSpecification } from "vitest/node";
import { CHROMIUM_PACKAGE, CHROMIUM_PATH } from "./browser-path";

/**
 * A run that includes browser tests on a machine without Chromium stops before any file runs,
 * with one line saying what to install, instead of every browser file failing on its own.
 * Registered as a reporter because a reporter is told which files a run has.
 */
export default class BrowserCheck implements Reporter {
  onTestRunStart(specifications: ReadonlyArray<TestSpecification>) {
    const browserFiles = specifications.filter((s) => s.moduleId.includes("/tests/e2e/")).length;
    if (browserFiles === 0 || existsSync(CHROMIUM_PATH)) return;
    process.stderr.write(`\n${missingChromiumLine(browserFiles)}\n`);
    process.stdout.write("\nTests: 0 passed, 1 failed\n");
    process.exit(1);
  }
}

export function missingChromiumLine(browserFiles: number) {
  return `Chromium is not installed at ${CHROMIUM_PATH}, so the browser tests (${browserFiles} ${browserFiles === 1 ? "file" : "files"}) cannot run: install it with \`apt-get install -y ${CHROMIUM_PACKAGE}\` (or set CHROMIUM_PATH), or run the other tests with \`npm run test:unit\`.`;
}
