// The app as it runs in production: `node server.mjs` from a build, on a port of its own, against
// the benchmark database. Like tests/support/browser.ts, but production mode and no throwaway database.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Every benchmark starts a few child processes, each killed on exit.
process.setMaxListeners(50);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Not a secret: benchmark cookies are signed with it, by the server and by the scripts that sign in. */
export const BENCH_SESSION_SECRET = "fighting-fund-benchmark-session-secret-0123456789";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the app when the build is missing or older than the sources, as `npm start` does. */
export function ensureBuild() {
  const buildFile = path.join(ROOT, "build", "index.js");
  const sources = ["app", "db", "emails"].map((d) => path.join(ROOT, d)).filter(existsSync);
  if (existsSync(buildFile) && Math.max(...sources.map(newestMtime)) <= statSync(buildFile).mtimeMs) return;
  console.log("Building the app…");
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "@remix-run", "dev", "dist", "cli.js"), "build"],
    { cwd: ROOT, stdio: "inherit" },
  );
  if (result.status !== 0) throw new Error("remix build failed");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export type RunningServer = {
  origin: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  /** Peak resident memory of the server process so far (VmHWM), in MB. */
  peakRssMb: () => number;
  rssMb: () => number;
  stop: () => Promise<void>;
};

function statusFieldMb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Starts the server and resolves once it answers /healthz with 200; `readyMs` is how long that took. */
export async function startServer(
  env: Record<string, string>,
  { timeoutMs = 60_000, cwd = ROOT, command = [path.join(cwd, "server.mjs")] } = {},
): Promise<RunningServer & { readyMs: number }> {
  const port = await freePort();
  const started = performance.now();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server a benchmark runs.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...command], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: BENCH_SESSION_SECRET,
      LOG_LEVEL: "info",
      SEED_DEMO: "false",
      // Production refuses to run without Stripe and Resend keys unless it is a demo (ADR 028).
      DEMO_MODE: "true",
      // No outbox worker, no scheduled jobs: the server does only what is measured. A benchmark
      // that needs them passes BACKGROUND_JOBS: "true".
      BACKGROUND_JOBS: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.once("exit", () => child.kill("SIGKILL"));
  // Keep the tail only: a benchmark logs a line per request.
  let output = "";
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout!.setEncoding("utf8").on("data", keep);
  child.stderr!.setEncoding("utf8").on("data", keep);
  const origin = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode} before answering:\n${output}`);
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer /healthz within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - started;
  const pid = child.pid!;
  return {
    origin,
    pid,
    child,
    output: () => output,
    peakRssMb: () => statusFieldMb(pid, "VmHWM"),
    rssMb: () => statusFieldMb(pid, "VmRSS"),
    stop,
    readyMs,
  };
}
