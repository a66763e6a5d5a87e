import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Reporter, TestSpecification } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /**
     * Where the run's early type-check writes `{ status, output }` when tsc exits (see
     * TypecheckEarly), or "" when it was not started: the type-check test then runs tsc itself.
     */
    typecheckResultFile: string;
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const TYPECHECK_TEST = "tests/integration/typecheck.test.ts";

/** The type-check the test asserts on: tsc over the whole project, strict, no output files. */
export function typecheckCommand(): { command: string; args: string[]; cwd: string } {
  return { command: process.execPath, args: [path.join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], cwd: root };
}

/**
 * Starts `tsc --noEmit` when a run that includes the type-check test starts, beside the test
 * workers instead of in one of them: tsc takes a long, single-threaded while, and a worker would
 * only wait for it, with nothing else running in its place. The test
 * (tests/integration/typecheck.test.ts) waits for this result and asserts on it exactly as on its
 * own tsc run. Registered as a reporter because a reporter is told which files a run has.
 */
export default class TypecheckEarly implements Reporter {
  private child: ChildProcess | undefined;
  private dir: string | undefined;

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>) {
    const spec = specifications.find((s) => s.moduleId.endsWith(TYPECHECK_TEST));
    if (!spec) return;
    this.dir = mkdtempSync(path.join(os.tmpdir(), "ff-typecheck-"));
    const resultFile = path.join(this.dir, "result.json");
    const { command, args, cwd } = typecheckCommand();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const finish = (status: number | null, extra = "") => {
      // Written whole, then renamed: the test never reads half a result.
      writeFileSync(`${resultFile}.tmp`, JSON.stringify({ status, output: output + extra }));
      renameSync(`${resultFile}.tmp`, resultFile);
    };
    child.once("error", (error) => finish(null, `\ntsc could not be started: ${error.message}`));
    child.once("close", (code, signal) => finish(code, signal ? `\ntsc ended by ${signal}` : ""));
    this.child = child;
    spec.project.provide("typecheckResultFile", resultFile);
  }

  onTestRunEnd() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.child = undefined;
    this.dir = undefined;
  }
}
