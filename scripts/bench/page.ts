// Benchmark 2, the public page: requests/s and p99 of `/` with the seeded ledger, 64 connections,
// against a bare node:http server sending the same bytes. Target: ≥ 20% of the bare rate, p99 < 100 ms.
import type { Bench } from "./lib/bench";
import { load, record, startBareServer } from "./lib/load";
import { fmt, percent, type Result } from "./lib/report";
import { ensureBuild, startServer } from "./lib/server";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

export const pageBench: Bench = {
  name: "page",
  title: "public campaign page `/`: requests/s and p99 at 64 connections vs a bare node:http server",
  async run({ databaseUrl }) {
    ensureBuild();
    const server = await startServer({ DATABASE_URL: databaseUrl, OUTBOX_POLL_MS: "3600000" });
    try {
      const page = await record(`${server.origin}/`);
      if (page.status !== 200) throw new Error(`GET / answered ${page.status}`);
      console.log(
        `/ is ${fmt(page.body.length)} bytes; ${CONNECTIONS} connections for ${SECONDS} s each, after a 3 s warm-up`,
      );
      const options = {
        connections: CONNECTIONS,
        duration: SECONDS,
        warmup: { connections: CONNECTIONS, duration: 3 },
      };
      const app = await load({ url: `${server.origin}/`, ...options });
      const bare = await startBareServer(page);
      let ceiling;
      try {
        ceiling = await load({ url: `${bare.origin}/`, ...options });
      } finally {
        await bare.close();
      }
      console.log(`app: ${JSON.stringify(app)}\nbare: ${JSON.stringify(ceiling)}`);
      if (app.non2xx > 0 || app.errors > 0)
        throw new Error(
          `the app answered ${app.non2xx} non-2xx and ${app.errors} errors: ${JSON.stringify(app.statuses)}`,
        );
      const ratio = app.requestsPerSecond / ceiling.requestsPerSecond;
      const results: Result[] = [
        {
          benchmark: "2 public page `/`: rate",
          figure: `${fmt(app.requestsPerSecond)} req/s`,
          baseline: `${fmt(ceiling.requestsPerSecond)} req/s (bare node:http, same bytes)`,
          ratio,
          target: "≥ 20% of baseline",
          met: ratio >= 0.2,
        },
        {
          benchmark: "2 public page `/`: p99 latency",
          figure: `${fmt(app.p99)} ms (p50 ${fmt(app.p50)} ms)`,
          baseline: `${fmt(ceiling.p99)} ms`,
          target: "< 100 ms",
          met: app.p99 < 100,
        },
      ];
      console.log(`ratio ${percent(ratio)}`);
      return results;
    } finally {
      await server.stop();
    }
  },
};
