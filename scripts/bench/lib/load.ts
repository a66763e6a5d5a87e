// Load generation with autocannon, and a bare Node server to compare the app with.
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

export type LoadResult = {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
};

/** autocannon's options, with the warm-up it supports and its types do not name yet. */
export type LoadOptions = autocannon.Options & { warmup?: { connections: number; duration: number } };

export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon(options);
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (count as { count: number }).count;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  };
}

/** Per connection or per moment: the bare server sets its own. */
const SKIPPED_HEADERS = ["date", "connection", "keep-alive", "transfer-encoding", "content-length"];

export type Recorded = { status: number; headers: Record<string, string>; body: Buffer };

/** One response as the app sent it, so a bare server can send the very same bytes. */
export async function record(url: string, init?: RequestInit): Promise<Recorded> {
  const response = await fetch(url, { redirect: "manual", ...init });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!SKIPPED_HEADERS.includes(key)) headers[key] = value;
  });
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * One GET as the app sent it, byte for byte: fetch would undo a gzip Content-Encoding, so this
 * reads the raw body with node:http. The recorded headers keep Content-Encoding and Vary.
 */
export function recordRaw(url: string, headers: Record<string, string> = {}): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const kept: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers)) {
            if (value === undefined || SKIPPED_HEADERS.includes(key)) continue;
            kept[key] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({ status: response.statusCode ?? 0, headers: kept, body: Buffer.concat(chunks) });
        });
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

/** A plain `http` server in its own process answering every request with the recorded response: the ceiling for this machine. */
export async function startBareServer(recorded: Recorded): Promise<{ origin: string; close: () => Promise<void> }> {
  const file = path.join(os.tmpdir(), `ff-bench-recorded-${process.pid}.json`);
  writeFileSync(
    file,
    JSON.stringify({ status: recorded.status, headers: recorded.headers, body: recorded.body.toString("base64") }),
  );
  const child = spawn(
    process.execPath,
    [path.join(path.dirname(fileURLToPath(import.meta.url)), "bare-server.mjs"), file],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  process.once("exit", () => child.kill());
  const origin = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /bare server at (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return {
    origin,
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
      rmSync(file, { force: true });
    },
  };
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
