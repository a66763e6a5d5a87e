// Benchmark 2, the public page: requests/s and p99 of `/` with the seeded ledger, 64 connections,
// plain and as browsers ask for it (Accept-Encoding: gzip), each against a bare node:http server
// sending the very bytes the app sent, measured once the app has stopped. Targets: ≥ 35% of the
// bare rate both ways, p99 < 100 ms.
import type { Bench } from "./lib/bench";
import { load, recordRaw, startBareServer, type LoadOptions, type LoadResult, type Recorded } from "./lib/load";
import { fmt, machineNote, percent, type Result } from "./lib/report";
import { ensureBuild, startServer } from "./lib/server";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const GZIP = { "accept-encoding": "gzip" };

const options: Omit<LoadOptions, "url"> = {
  connections: CONNECTIONS,
  duration: SECONDS,
  warmup: { connections: CONNECTIONS, duration: 3 },
};

/** The bare server answering every request with one recording, loaded as the app was. */
async function measureBare(recorded: Recorded, headers: Record<string, string>): Promise<LoadResult> {
  const bare = await startBareServer(recorded);
  try {
    return await load({ url: `${bare.origin}/`, ...options, headers });
  } finally {
    await bare.close();
  }
}

function refuseFailures(name: string, result: LoadResult) {
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `${name} answered ${result.non2xx} non-2xx and ${result.errors} errors: ${JSON.stringify(result.statuses)}`,
    );
}

export const pageBench: Bench = {
  name: "page",
  title: "public campaign page `/`: requests/s and p99 at 64 connections, plain and gzip, vs a bare node:http server",
  async run({ databaseUrl }) {
    ensureBuild();
    let plain: Recorded, gzipped: Recorded;
    let app: { plain: LoadResult; gzip: LoadResult };
    const server = await startServer({ DATABASE_URL: databaseUrl });
    try {
      plain = await recordRaw(`${server.origin}/`);
      gzipped = await recordRaw(`${server.origin}/`, GZIP);
      for (const [name, page] of [
        ["plain", plain],
        ["gzip", gzipped],
      ] as const)
        if (page.status !== 200) throw new Error(`GET / (${name}) answered ${page.status}`);
      console.log(
        `/ is ${fmt(plain.body.length)} bytes plain, ${fmt(gzipped.body.length)} bytes with Accept-Encoding: gzip (Content-Encoding: ${gzipped.headers["content-encoding"] ?? "none"}); ${CONNECTIONS} connections for ${SECONDS} s each, after a 3 s warm-up`,
      );
      console.log(`app runs: ${machineNote()} before`);
      const appPlain = await load({ url: `${server.origin}/`, ...options });
      app = { plain: appPlain, gzip: await load({ url: `${server.origin}/`, ...options, headers: GZIP }) };
      console.log(`app runs: ${machineNote()} after`);
    } finally {
      await server.stop();
    }
    // The app is stopped: the bare server is measured while nothing else of ours runs.
    console.log(`bare runs (app stopped): ${machineNote()} before`);
    const bare = { plain: await measureBare(plain, {}), gzip: await measureBare(gzipped, GZIP) };
    console.log(`bare runs (app stopped): ${machineNote()} after`);
    for (const way of ["plain", "gzip"] as const)
      console.log(`app ${way}: ${JSON.stringify(app[way])}\nbare ${way}: ${JSON.stringify(bare[way])}`);
    refuseFailures("the app (plain)", app.plain);
    refuseFailures("the app (gzip)", app.gzip);

    const rateRow = (way: "plain" | "gzip"): Result => {
      const ratio = app[way].requestsPerSecond / bare[way].requestsPerSecond;
      console.log(`${way} ratio ${percent(ratio)}`);
      return {
        benchmark: `2 public page \`/\`: rate, ${way === "plain" ? "plain" : "gzip (Accept-Encoding: gzip)"}`,
        figure: `${fmt(app[way].requestsPerSecond)} req/s`,
        baseline: `${fmt(bare[way].requestsPerSecond)} req/s (bare node:http, same bytes, app stopped)`,
        ratio,
        target: "≥ 35% of baseline",
        met: ratio >= 0.35,
      };
    };
    const p99 = Math.max(app.plain.p99, app.gzip.p99);
    return [
      rateRow("plain"),
      rateRow("gzip"),
      {
        benchmark: "2 public page `/`: p99 latency",
        figure: `plain ${fmt(app.plain.p99)} ms (p50 ${fmt(app.plain.p50)} ms), gzip ${fmt(app.gzip.p99)} ms (p50 ${fmt(app.gzip.p50)} ms)`,
        baseline: `plain ${fmt(bare.plain.p99)} ms, gzip ${fmt(bare.gzip.p99)} ms`,
        target: "< 100 ms",
        met: p99 < 100,
      },
    ];
  },
};
