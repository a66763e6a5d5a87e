import type { Reporter, TestModule } from "vitest/node";

/** Prints the one closing line CI reads: "Tests: N passed, N failed". */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // A file that failed to load, or whose beforeAll failed (its tests then show as skipped),
      // must still count as a failure.
      const failedTests = [...module.children.allTests()].filter((test) => test.result().state === "failed").length;
      if (module.state() === "failed" && failedTests === 0) failed++;
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
