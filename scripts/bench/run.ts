// `npm run bench` runs every benchmark; `npm run bench -- page webhook` runs those; `--list`
// names them. Each prints a table and appends its rows to docs/performance.md. Needs
// DATABASE_URL (a database seeded by `npm run bench:seed`); BENCH_SCALE says which scale it holds.
import type { Bench } from "./lib/bench";
import { benchDatabaseUrl, benchScale } from "./lib/env";
import { appendResults, machineNote, printResults, type Result } from "./lib/report";
import { adminBench } from "./admin";
import { checkoutBench } from "./checkout";
import { exportsBench } from "./exports";
import { pageBench } from "./page";
import { startupBench } from "./startup";
import { webhookBench } from "./webhook";
import { weightBench } from "./weight";

const BENCHES: Bench[] = [webhookBench, pageBench, checkoutBench, adminBench, exportsBench, weightBench, startupBench];

/** How the benchmark reached PostgreSQL: through its Unix socket (`?host=/directory`, ADR 057) or TCP. */
function connectionKind(url: string): string {
  // Read from the text: a multi-host URL (h1:5432,h2:5432) is not one that URL parses.
  return /[?&]host=(\/|%2F)/i.test(url) ? "over its Unix socket" : "over TCP";
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const bench of BENCHES) console.log(`${bench.name.padEnd(10)} ${bench.title}`);
    return;
  }
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")}: try --list`);
  const chosen = args.length ? BENCHES.filter((b) => args.includes(b.name)) : BENCHES;
  const context = {
    scale: benchScale(),
    databaseUrl: chosen.some((b) => b.usesDatabase !== false) ? benchDatabaseUrl() : "",
  };
  const all: Result[] = [];
  for (const bench of chosen) {
    console.log(`\n▶ ${bench.name}: ${bench.title}`);
    const before = machineNote();
    const results = await bench.run(context);
    const note = `scale ${context.scale}; ${before} before, ${machineNote()} after${context.databaseUrl ? `; PostgreSQL ${connectionKind(context.databaseUrl)}` : ""}`;
    printResults(results);
    appendResults(results, note);
    all.push(...results);
  }
  if (chosen.length > 1) printResults(all);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
