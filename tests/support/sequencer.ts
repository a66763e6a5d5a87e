import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest, longest first. Vitest orders files it has no timings for (as in
 * CI, where `npm ci` starts without its cache) by size, which left a long file to run alone at
 * the end while the other worker sat idle. Starting the long files first lets the two workers
 * finish together. Order only: every file still runs.
 */
const LONGEST_FIRST = [
  "tests/integration/exactly-once.property.test.ts",
  "tests/e2e/admin.test.ts",
  "tests/e2e/account.test.ts",
  "tests/integration/fuzz-admin.test.ts",
  "tests/e2e/donate.test.ts",
  "tests/e2e/subscription-changes.test.ts",
  "tests/integration/first-start.test.ts",
  "tests/e2e/no-personal-data-in-logs.test.ts",
  "tests/e2e/campaign-page-script.test.ts",
  "tests/integration/fuzz-public.test.ts",
  "tests/integration/database-outage.test.ts",
  "tests/integration/startup-demo-admin.test.ts",
  "tests/e2e/accessibility.test.ts",
  "tests/integration/crash-recovery.test.ts",
];

/** Files that mostly wait for something started at the beginning of the run go last (none now). */
const LAST: string[] = [];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const last = LAST.findIndex((suffix) => spec.moduleId.endsWith(suffix));
      if (last !== -1) return LONGEST_FIRST.length + 1 + last;
      const index = LONGEST_FIRST.findIndex((suffix) => spec.moduleId.endsWith(suffix));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the other files keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
