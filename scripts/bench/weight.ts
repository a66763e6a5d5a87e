// Benchmark 6, page weight and quality: compressed JavaScript on `/` (≤ 90 KB), requests to any
// other origin from `/` and `/support` (none), and Lighthouse with mobile emulation (performance
// ≥ 95, accessibility 100) on both. Lighthouse 12 (the last to run on Node 20) is fetched by npx
// on first use, so it is not a dependency of the project; Chromium is Debian's.
import { execFile } from "node:child_process";
import http from "node:http";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import type { Bench } from "./lib/bench";
import { fmt, type Result } from "./lib/report";
import { ensureBuild, startServer } from "./lib/server";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/lib/chromium/chromium-headless-shell"; // as the browser tests (ADR 052)
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const LIGHTHOUSE = "lighthouse@12.8.2";
const PAGES = ["/", "/support"];

/** Bytes on the wire for a URL fetched as a browser would (gzip accepted), without decompressing. */
function transferSize(url: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "accept-encoding": "gzip, deflate, br" } }, (response) => {
        let bytes = 0;
        response.on("data", (chunk: Buffer) => (bytes += chunk.length));
        response.on("end", () => resolve({ bytes, encoding: response.headers["content-encoding"] }));
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

/** Every script the page loads or preloads: module scripts and modulepreload links. */
function scriptUrls(html: string, origin: string): string[] {
  const urls = new Set<string>();
  for (const match of html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) urls.add(new URL(match[1], origin).toString());
  for (const match of html.matchAll(
    /<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="modulepreload"/g,
  ))
    urls.add(new URL(match[1] ?? match[2], origin).toString());
  // Remix imports its entry from an inline module script.
  for (const match of html.matchAll(/import\s*(?:\*\s*as\s*\w+\s*from\s*)?"(\/build\/[^"]+\.js)"/g))
    urls.add(new URL(match[1], origin).toString());
  return [...urls];
}

async function thirdPartyRequests(origin: string): Promise<string[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const foreign: string[] = [];
  try {
    const context = await browser.newContext();
    context.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(origin) && !/^(data|blob):/.test(url)) foreign.push(url);
    });
    const page = await context.newPage();
    for (const path of PAGES) await page.goto(`${origin}${path}`, { waitUntil: "networkidle" });
  } finally {
    await browser.close();
  }
  return foreign;
}

type Scores = { performance: number; accessibility: number; failed: string[] };

async function lighthouse(url: string): Promise<Scores> {
  const { stdout } = await promisify(execFile)(
    "npx",
    [
      "--yes",
      LIGHTHOUSE,
      url,
      "--quiet",
      "--output=json",
      "--output-path=stdout",
      "--only-categories=performance,accessibility",
      `--chrome-flags=${CHROMIUM_ARGS.join(" ")}`,
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM }, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
  );
  const report = JSON.parse(stdout) as {
    categories: Record<string, { score: number; auditRefs: { id: string; weight: number }[] }>;
    audits: Record<string, { score: number | null; title: string }>;
  };
  const failed = Object.values(report.categories)
    .flatMap((c) => c.auditRefs)
    .filter(
      (ref) => ref.weight > 0 && report.audits[ref.id]?.score !== null && (report.audits[ref.id]?.score ?? 1) < 0.9,
    )
    .map((ref) => `${ref.id} (${report.audits[ref.id].score})`);
  return {
    performance: Math.round(report.categories.performance.score * 100),
    accessibility: Math.round(report.categories.accessibility.score * 100),
    failed,
  };
}

export const weightBench: Bench = {
  name: "weight",
  title: "page weight and quality: compressed JS on /, third-party requests, Lighthouse (mobile) on / and /support",
  async run({ databaseUrl }) {
    ensureBuild();
    const server = await startServer({ DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" });
    try {
      const html = await (await fetch(`${server.origin}/`)).text();
      const scripts = scriptUrls(html, server.origin);
      let jsBytes = 0;
      for (const url of scripts) {
        const { bytes, encoding } = await transferSize(url);
        if (!encoding) console.log(`  not compressed: ${url}`);
        jsBytes += bytes;
      }
      const inlineBytes = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].reduce(
        (sum, m) => sum + Buffer.byteLength(m[1]),
        0,
      );
      console.log(
        `/ loads ${scripts.length} script files, ${fmt(jsBytes / 1024, 1)} KB compressed (plus ${fmt(inlineBytes / 1024, 1)} KB of inline script in the HTML, uncompressed)`,
      );

      const foreign = await thirdPartyRequests(server.origin);
      console.log(
        `third-party requests from ${PAGES.join(" and ")}: ${foreign.length}${foreign.length ? `: ${foreign.slice(0, 5).join(", ")}` : ""}`,
      );

      const results: Result[] = [
        {
          benchmark: "6 page weight: JavaScript on `/`",
          figure: `${fmt(jsBytes / 1024, 1)} KB compressed, ${scripts.length} files`,
          target: "≤ 90 KB",
          met: jsBytes <= 90 * 1024,
        },
        {
          benchmark: "6 third-party requests",
          figure: `${foreign.length} from ${PAGES.join(" and ")}`,
          target: "0",
          met: foreign.length === 0,
        },
      ];
      for (const path of PAGES) {
        const scores = await lighthouse(`${server.origin}${path}`);
        console.log(
          `Lighthouse ${path}: performance ${scores.performance}, accessibility ${scores.accessibility}${scores.failed.length ? `; below 0.9: ${scores.failed.join(", ")}` : ""}`,
        );
        results.push(
          {
            benchmark: `6 Lighthouse ${path}: performance (mobile)`,
            figure: String(scores.performance),
            target: "≥ 95",
            met: scores.performance >= 95,
          },
          {
            benchmark: `6 Lighthouse ${path}: accessibility`,
            figure: String(scores.accessibility),
            target: "100",
            met: scores.accessibility === 100,
          },
        );
      }
      return results;
    } finally {
      await server.stop();
    }
  },
};
