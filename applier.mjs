// The webhook applier thread (ADR 055), started by the server when WEBHOOK_ANSWER=kept: it loads
// the same build as server.mjs and applies the Stripe deliveries the server kept and answered.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";

const root = path.dirname(fileURLToPath(import.meta.url));
const build = await import(pathToFileURL(path.join(root, "build", "index.js")).href);
await build.entry.module.runApplier(workerData);
