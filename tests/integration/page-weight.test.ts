import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAMPAIGN_PAGE_SCRIPT } from "~/ui/page-scripts";
import { startAppServer, type AppServer } from "../support/browser";

/**
 * Readers on slow phones and metered data open the campaign page first: the JavaScript it makes
 * them download stays within 90 KB compressed (ADR 019). Counted from the build as the weight
 * benchmark counts it on the wire (scripts/bench/weight.ts): every script the HTML loads or
 * preloads, and every module those import in turn.
 */
const BUDGET_BYTES = 90 * 1024;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const publicDir = path.join(root, "public");

/** The build's asset manifest, as Remix writes it for the browser. */
function readManifest(): { entry: { module: string }; routes: Record<string, { module: string; imports?: string[] }> } {
  const file = readdirSync(path.join(publicDir, "build")).find((name) => /^manifest-\w+\.js$/.test(name));
  if (!file) throw new Error("public/build has no manifest: run `npx remix build` first");
  return JSON.parse(
    readFileSync(path.join(publicDir, "build", file), "utf8")
      .replace(/^window\.__remixManifest=/, "")
      .replace(/;\s*$/, ""),
  );
}

/** Script URLs the HTML names: module scripts, modulepreload links, and Remix's inline imports. */
function scriptsNamedBy(html: string): string[] {
  const urls = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\ssrc="([^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/<link\b[^>]*>/g))
    if (/rel="modulepreload"/.test(m[0])) urls.add(/href="([^"]+)"/.exec(m[0])![1]);
  for (const m of html.matchAll(/import\s*(?:\*\s*as\s*\w+\s*from\s*)?\(?\s*"(\/build\/[^"]+\.js)"/g)) urls.add(m[1]);
  return [...urls];
}

const source = (url: string) => readFileSync(path.join(publicDir, new URL(url, "http://x").pathname));

/** The URLs plus everything they import, statically or not, as the browser would fetch them. */
function withImports(urls: string[]): string[] {
  const seen = new Set<string>();
  const visit = (url: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    for (const m of source(url)
      .toString("utf8")
      .matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)"([^"]+\.js)"/g))
      visit(new URL(m[1], `http://x${url}`).pathname);
  };
  urls.forEach(visit);
  return [...seen];
}

const gzipBytes = (url: string) => gzipSync(source(url)).length;

let server: AppServer;
let html: string;
let htmlRu: string;
beforeAll(async () => {
  server = await startAppServer();
  html = await (await fetch(`${server.origin}/`)).text();
  // In Russian too (ADR 049): the messages are in the HTML, not in the JavaScript.
  htmlRu = await (await fetch(`${server.origin}/`, { headers: { "Accept-Language": "ru" } })).text();
});
afterAll(() => server?.stop());

describe("the JavaScript of the campaign page", () => {
  it(`is at most ${BUDGET_BYTES / 1024} KB compressed, counting everything it loads, preloads or imports`, () => {
    const named = scriptsNamedBy(html);
    const loaded = withImports(named);
    const sizes = Object.fromEntries(loaded.map((url) => [url, gzipBytes(url)]));
    const total = Object.values(sizes).reduce((sum, bytes) => sum + bytes, 0);
    expect(total, `compressed bytes per file: ${JSON.stringify(sizes, null, 2)}`).toBeLessThanOrEqual(BUDGET_BYTES);
    // Nothing arrives unannounced: whatever a script imports is preloaded by the HTML too, so the
    // benchmark, which reads the HTML, counts it all.
    expect(loaded.sort()).toEqual(named.sort());
  });

  it("is the same in Russian", () => {
    expect(htmlRu).toContain('<html lang="ru"');
    expect(scriptsNamedBy(htmlRu).sort()).toEqual(scriptsNamedBy(html).sort());
  });

  it("is the page's own script from the build manifest, with the chunks it imports, and neither React nor the Remix runtime", () => {
    const manifest = readManifest();
    const script = manifest.routes[CAMPAIGN_PAGE_SCRIPT];
    expect(script, "remix.config.js declares the page script as a route").toBeDefined();
    const named = scriptsNamedBy(html);
    for (const url of [script.module, ...(script.imports ?? [])]) expect(named).toContain(url);
    expect(html).not.toContain(manifest.entry.module);
    expect(html).not.toContain("__remixContext");
  });
});
