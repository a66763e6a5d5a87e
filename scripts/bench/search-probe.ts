// In-process timings of staff search against a benchmark database (DATABASE_URL), term by term,
// the way staff type: the slowest terms and percentiles, to find a bad plan before the HTTP
// benchmark (npm run bench -- admin) measures the page. `npx tsx scripts/bench/search-probe.ts`.
import postgres from "postgres";
import { connect, disconnect } from "@db/client.server";
import { searchSupporters } from "~/supporters/search.server";
import { fixedSample } from "./admin";
import { benchScale } from "./lib/env";
import { percentile } from "./lib/load";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL names the benchmark database");
const sql = postgres(url, { max: 1, onnotice: () => {} });
// The staff-pages benchmark's own fixed sample (BENCH_SCALE says which scale the database holds).
const { queries, misspellings: typos } = await fixedSample(sql, benchScale());
await sql.end();
const { db } = await connect({ url, poolSize: 2 });
try {
  for (const q of queries.slice(0, 30)) await searchSupporters(db, { q, limit: 25 });
  const timed: { q: string; ms: number; n: number }[] = [];
  for (const q of queries) {
    const started = performance.now();
    const { rows } = await searchSupporters(db, { q, limit: 25 });
    timed.push({ q, ms: performance.now() - started, n: rows.length });
  }
  const ms = timed.map((t) => t.ms);
  console.log(
    `${timed.length} terms: p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(0)} ms; ${timed.filter((t) => t.n > 0).length} found someone`,
  );
  console.log(
    "slowest:",
    timed
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 15)
      .map((t) => `${JSON.stringify(t.q)} ${t.ms.toFixed(1)} ms (${t.n})`)
      .join(", "),
  );
  const near: number[] = [];
  let hit = 0;
  for (const { q, surname } of typos) {
    const started = performance.now();
    const { rows } = await searchSupporters(db, { q, limit: 25 });
    near.push(performance.now() - started);
    if (rows.some((r) => r.name.endsWith(` ${surname}`))) hit += 1;
  }
  console.log(
    `${typos.length} misspelt surnames: p50 ${percentile(near, 50).toFixed(1)} ms, p95 ${percentile(near, 95).toFixed(1)} ms, max ${Math.max(...near).toFixed(0)} ms; ${hit} had the right surname on the first page`,
  );
} finally {
  await disconnect();
}
