// Starts the local Stripe API stub (stripe-stub.mjs) in a process of its own.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type StripeStub = { base: string; stop: () => Promise<string> };

export async function startStripeStub(): Promise<StripeStub> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "stripe-stub.mjs");
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  // However the benchmark ends, the stub goes with it.
  process.once("exit", () => child.kill());
  let output = "";
  child.stdout!.setEncoding("utf8");
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: string) => {
      output += chunk;
      const match = /stripe stub at (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the Stripe stub exited (${code})`)));
  });
  return {
    base,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return /answered (\d+) calls/.exec(output)?.[1] ?? "?";
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
      return /answered (\d+) calls/.exec(output)?.[1] ?? "?";
    },
  };
}
