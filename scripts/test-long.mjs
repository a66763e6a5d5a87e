#!/usr/bin/env node
/**
 * The exactly-once property at depth: `npm run test:long` runs many more histories than CI's 50,
 * with the same checks, in seeded chunks, and adds up the figures.
 *
 * Each chunk is one `vitest run` of tests/integration/exactly-once.property.test.ts with one
 * worker, FF_PROPERTY_RUNS=<chunk size> and FF_SEED=<base seed + chunk number>, its figures
 * written to <dir>/chunk-<n>.json. A chunk whose figures file exists is not run again, so a run
 * that was stopped (or cut short by --until) is resumed by running the same command again; the
 * same base seed gives the same histories. The database is the environment's: PostgreSQL when
 * DATABASE_URL is set, PGlite otherwise.
 *
 *   npm run test:long -- [--histories 10000] [--chunk 250] [--seed 20261203] [--dir test-results/long]
 *                        [--until 2026-12-03T15:00:00Z] [--workers 1]
 *
 * --workers: chunks run side by side (each its own vitest process and scratch database); on two
 * cores, 2 roughly halves the wall time of an otherwise idle machine.
 * --until: no chunk is started that could not finish by then, at the pace measured so far.
 * The totals go to <dir>/figures.json and are printed. Exit code 1 if any history failed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const TEST_FILE = "tests/integration/exactly-once.property.test.ts";

const { values } = parseArgs({
  options: {
    histories: { type: "string", default: "10000" },
    chunk: { type: "string", default: "250" },
    seed: { type: "string", default: "20261203" },
    dir: { type: "string", default: "test-results/long" },
    until: { type: "string" },
    workers: { type: "string", default: "1" },
  },
});

const positiveInteger = (name, text) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`test:long: --${name} must be a positive whole number, not "${text}"`);
    process.exit(2);
  }
  return n;
};
const histories = positiveInteger("histories", values.histories);
const chunkSize = positiveInteger("chunk", values.chunk);
const baseSeed = positiveInteger("seed", values.seed);
const workers = positiveInteger("workers", values.workers);
const until = values.until ? Date.parse(values.until) : null;
if (until !== null && Number.isNaN(until)) {
  console.error(`test:long: --until must be a date and time, e.g. 2026-12-03T15:00:00Z, not "${values.until}"`);
  process.exit(2);
}
const dir = path.resolve(root, values.dir);
mkdirSync(dir, { recursive: true });

const chunks = Array.from({ length: Math.ceil(histories / chunkSize) }, (_, n) => ({
  n,
  runs: Math.min(chunkSize, histories - n * chunkSize),
  seed: baseSeed + n,
  file: path.join(dir, `chunk-${String(n).padStart(4, "0")}.json`),
}));

function runChunk(chunk) {
  const log = path.join(dir, `chunk-${String(chunk.n).padStart(4, "0")}.log.txt`);
  rmSync(`${chunk.file}.partial`, { force: true });
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", TEST_FILE, "--maxWorkers=1", "--no-file-parallelism"], {
      cwd: root,
      env: {
        ...process.env,
        FF_PROPERTY_RUNS: String(chunk.runs),
        FF_SEED: String(chunk.seed),
        FF_FIGURES_FILE: `${chunk.file}.partial`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => out.push(d));
    child.on("close", (code) => {
      writeFileSync(log, Buffer.concat(out));
      resolve({ code, log });
    });
  });
}

let ranHere = 0;
let secondsPerHistory = null;
const pending = chunks.filter((chunk) => !existsSync(chunk.file));
let stopping = false;

async function worker() {
  while (!stopping && pending.length > 0) {
    const chunk = pending.shift();
    if (until !== null) {
      // Side by side, each chunk takes about as long as it would alone on its own core.
      const estimate = (secondsPerHistory ?? 1) * chunk.runs * 1000;
      if (Date.now() + estimate > until) {
        console.log(
          `test:long: stopping before chunk ${chunk.n}: it would not finish by ${new Date(until).toISOString()}`,
        );
        stopping = true;
        break;
      }
    }
    const started = Date.now();
    console.log(`test:long: chunk ${chunk.n + 1}/${chunks.length}: ${chunk.runs} histories, seed ${chunk.seed}`);
    const { code, log } = await runChunk(chunk);
    if (!existsSync(`${chunk.file}.partial`)) {
      console.log(`test:long: chunk ${chunk.n} wrote no figures (exit ${code}); see ${path.relative(root, log)}`);
      continue;
    }
    const figures = JSON.parse(readFileSync(`${chunk.file}.partial`, "utf8"));
    writeFileSync(
      chunk.file,
      JSON.stringify({ chunk: chunk.n, seed: chunk.seed, exitCode: code, ...figures }, null, 2) + "\n",
    );
    ranHere += 1;
    secondsPerHistory = (Date.now() - started) / 1000 / Math.max(figures.histories, 1);
    console.log(
      `test:long: chunk ${chunk.n}: ${figures.historiesPassed}/${figures.histories} histories passed, ${figures.failures.length} failure(s), ${secondsPerHistory.toFixed(2)} s per history`,
    );
  }
}
await Promise.all(Array.from({ length: workers }, () => worker()));

// The totals over every chunk in the directory, whether run now or before.
const done = readdirSync(dir)
  .filter((name) => /^chunk-\d+\.json$/.test(name))
  .map((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")))
  .sort((a, b) => a.chunk - b.chunk);
const SUMMED = [
  "histories",
  "historiesPassed",
  "eventsInHistories",
  "inOrderDeliveries",
  "chaoticDeliveries",
  "duplicateDeliveries",
  "shuffles",
  "reorderedShuffles",
  "inversions",
  "concurrentBatches",
  "retriedAfter500",
  "replayedDeliveries",
  "durationMs",
];
const totals = {
  command: `npm run test:long -- --histories ${histories} --chunk ${chunkSize} --seed ${baseSeed}`,
  historiesAskedFor: histories,
  chunksDone: done.length,
  chunksInAll: chunks.length,
  database: [...new Set(done.map((c) => c.database))].join(", ") || null,
  ...Object.fromEntries(SUMMED.map((key) => [key, done.reduce((sum, c) => sum + (c[key] ?? 0), 0)])),
  largestBatch: Math.max(0, ...done.map((c) => c.largestBatch ?? 0)),
  failureReasons: done.reduce((all, c) => {
    for (const [reason, n] of Object.entries(c.failureReasons ?? {})) all[reason] = (all[reason] ?? 0) + n;
    return all;
  }, {}),
  failures: done.flatMap((c) => (c.failures ?? []).map((f) => ({ chunk: c.chunk, ...f }))),
  chunksWithFailures: done.filter((c) => (c.failures ?? []).length > 0 || c.exitCode !== 0).map((c) => c.chunk),
  seeds: done.map((c) => c.seed),
  firstFinishedAt: done.map((c) => c.finishedAt).sort()[0] ?? null,
  lastFinishedAt:
    done
      .map((c) => c.finishedAt)
      .sort()
      .at(-1) ?? null,
};
writeFileSync(path.join(dir, "figures.json"), JSON.stringify(totals, null, 2) + "\n");
console.log(
  `\ntest:long: ${ranHere} chunk(s) run now; totals over ${done.length} of ${chunks.length} chunks (${path.relative(root, path.join(dir, "figures.json"))}):`,
);
console.log(
  JSON.stringify(
    {
      ...totals,
      failures: totals.failures.map((f) => ({
        chunk: f.chunk,
        seed: f.seed,
        message: f.message.split("\n").slice(0, 6).join("\n"),
      })),
    },
    null,
    2,
  ),
);
process.exit(totals.failures.length > 0 || totals.chunksWithFailures.length > 0 ? 1 : 0);
