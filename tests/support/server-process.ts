import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export type ServerProcess = {
  /** http://127.0.0.1:<port>, no trailing slash. */
  origin: string;
  pid: number;
  /** Everything the server printed, for failure messages. */
  output: () => string;
  /** True while the process has neither exited nor been killed. */
  alive: () => boolean;
  /** Its exit code once it has exited (null while it runs, or when a signal ended it). */
  exitCode: () => number | null;
  /** SIGKILL, as a crash or the OOM killer would: no shutdown code runs. */
  kill: () => Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL if it hangs. */
  stop: () => Promise<void>;
};

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * `node server.mjs` from the existing build, on an ephemeral port, with exactly the database the
 * caller names (unlike startAppServer in browser.ts, which makes a fresh one per server and drops
 * it on stop): the outage and crash tests stop the database under it, or restart it on the same data.
 */
export async function spawnServer(env: Record<string, string>, { timeoutMs = 45_000 } = {}): Promise<ServerProcess> {
  if (!existsSync(path.join(root, "build", "index.js")))
    throw new Error("build/index.js is missing: run `npx remix build` first");
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const alive = () => child.exitCode === null && child.signalCode === null;

  const kill = async () => {
    if (!alive()) return;
    child.kill("SIGKILL");
    await waitForExit(child, 10_000);
  };
  const stop = async () => {
    if (!alive()) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 10_000))) await kill();
  };

  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server did not print its address within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = () => {
        const match = /Fighting Fund is running at http:\/\/localhost:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening`));
      });
    });
    return {
      origin: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      output: () => output,
      alive,
      exitCode: () => child.exitCode,
      kill,
      stop,
    };
  } catch (error) {
    await kill();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output}`);
  }
}
