import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { typecheckCommand } from "../support/typecheck-early";

const TIMEOUT_MS = 180_000;

type Result = { status: number | null; output: string };

/** tsc run by this test itself (a run that did not start it early, e.g. an editor's). */
function runTsc(): Promise<Result> {
  const { command, args, cwd } = typecheckCommand();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.once("error", (error) => resolve({ status: null, output: `tsc could not be started: ${error.message}` }));
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** The result of the tsc the run started beside the workers (tests/support/typecheck-early.ts). */
async function startedEarly(file: string): Promise<Result> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline) return { status: null, output: `tsc gave no result within ${TIMEOUT_MS} ms` };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return JSON.parse(readFileSync(file, "utf8")) as Result;
}

describe("the code base", () => {
  it("type-checks under strict TypeScript", async () => {
    const early = inject("typecheckResultFile");
    const result = early ? await startedEarly(early) : await runTsc();
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 200_000);
});
