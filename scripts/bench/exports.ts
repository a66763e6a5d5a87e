// Benchmark 5, exports: the accountant's payments CSV over all five years (5M rows) and the
// print mailing list, as staff download them: rows/s, and the server process's peak resident
// memory (VmHWM). Targets: ≥ 100,000 rows/s, peak RSS < 300 MB.
import http from "node:http";
import type { Bench } from "./lib/bench";
import { fmt, type Result } from "./lib/report";
import { ensureBuild, startServer, type RunningServer } from "./lib/server";
import { signInBenchAdmin } from "./lib/staff";

/** Streams a CSV download, counting lines without keeping them; samples the server's memory meanwhile. */
function download(
  server: RunningServer,
  path: string,
  cookie: string,
): Promise<{ rows: number; bytes: number; seconds: number; peakRssMb: number }> {
  const started = performance.now();
  let peak = server.rssMb();
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssMb())), 50);
  return new Promise((resolve, reject) => {
    http
      .get(`${server.origin}${path}`, { headers: { cookie } }, (response) => {
        if (response.statusCode !== 200) {
          clearInterval(sampler);
          reject(new Error(`${path} answered ${response.statusCode}`));
          return;
        }
        let lines = 0;
        let bytes = 0;
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          // CRLF ends a record; quoted fields never contain CRLF in our data set.
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        });
        response.on("end", () => {
          clearInterval(sampler);
          resolve({
            rows: lines - 1,
            bytes,
            seconds: (performance.now() - started) / 1000,
            peakRssMb: Math.max(peak, server.peakRssMb()),
          });
        });
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export const exportsBench: Bench = {
  name: "exports",
  title: "exports: payments CSV (five years) and print mailing list, rows/s and the server's peak RSS",
  async run({ databaseUrl }) {
    ensureBuild();
    const server = await startServer({ DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" });
    try {
      const cookie = await signInBenchAdmin(server.origin);
      const idleMb = server.rssMb();
      const now = new Date();
      const from = new Date(Date.UTC(now.getUTCFullYear() - 6, 0, 1));
      const tomorrow = new Date(now.getTime() + 86_400_000);
      const payments = await download(
        server,
        `/admin/exports/payments.csv?from=${day(from)}&to=${day(tomorrow)}`,
        cookie,
      );
      console.log(
        `payments: ${fmt(payments.rows)} rows, ${fmt(payments.bytes / 1e6)} MB in ${payments.seconds.toFixed(1)} s; server RSS ${fmt(idleMb)} MB idle, peak ${fmt(payments.peakRssMb)} MB`,
      );
      const print = await download(server, `/admin/exports/print-list.csv?on=${day(now)}`, cookie);
      console.log(
        `print list: ${fmt(print.rows)} rows in ${print.seconds.toFixed(2)} s; peak RSS ${fmt(print.peakRssMb)} MB`,
      );
      const rate = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
      return [
        {
          benchmark: "5 exports: payments CSV",
          figure: `${fmt(rate(payments))} rows/s (${fmt(payments.rows)} rows in ${payments.seconds.toFixed(1)} s)`,
          target: "≥ 100,000 rows/s",
          met: rate(payments) >= 100_000,
        },
        {
          benchmark: "5 exports: print mailing list",
          figure: `${fmt(rate(print))} rows/s (${fmt(print.rows)} rows in ${print.seconds.toFixed(2)} s)`,
          target: "≥ 100,000 rows/s",
          met: rate(print) >= 100_000,
        },
        {
          benchmark: "5 exports: server peak RSS",
          figure: `${fmt(print.peakRssMb)} MB (${fmt(idleMb)} MB before)`,
          target: "< 300 MB",
          met: print.peakRssMb < 300,
        },
      ] satisfies Result[];
    } finally {
      await server.stop();
    }
  },
};
