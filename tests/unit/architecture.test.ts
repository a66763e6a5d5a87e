// Thin routes (ADR 047): a route parses its input, calls a domain module and maps the typed result
// to a response. It never queries the database itself, and domain modules know nothing of HTTP.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const APP = join(ROOT, "app");

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** The import statements of a module, each as one line of text. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+["'][^"']+["'];?/gms)].map((m) =>
    m[0].replace(/\s+/g, " ").trim(),
  );
}

/** A value (not only a type) imported from `module`: `import type { … }` and `{ type A }` are fine. */
function importsValueFrom(statement: string, module: RegExp): boolean {
  const from = /\sfrom\s+["']([^"']+)["']/.exec(statement)?.[1] ?? "";
  if (!module.test(from)) return false;
  const head = statement.replace(/\sfrom\s.*$/, "").replace(/^(import|export)\s+/, "");
  if (head.startsWith("type ")) return false;
  // A default or namespace import, or `export *`, brings values.
  if (
    head
      .replace(/\{[^}]*\}/, "")
      .replace(/,/g, "")
      .trim()
  )
    return true;
  return (/\{([^}]*)\}/.exec(head)?.[1] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .some((specifier) => !specifier.startsWith("type "));
}

/**
 * Routes that still reach into the database, each with the domain module its query should move
 * to. Empty this list, never grow it.
 */
const ROUTES_STILL_QUERYING: Record<string, string> = {};

/**
 * Domain modules that still speak HTTP (a status code, a Response, a redirect), each to be given a
 * typed result the route maps. Empty this list, never grow it.
 */
const DOMAIN_STILL_HTTP = new Set<string>([]);

describe("thin routes", () => {
  const routes = filesUnder(join(APP, "routes"), (name) => /\.tsx?$/.test(name));

  it("finds the routes", () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(importsValueFrom('import { eq } from "drizzle-orm";', /^drizzle-orm/)).toBe(true);
    expect(importsValueFrom('import { type SQL, sql } from "drizzle-orm";', /^drizzle-orm/)).toBe(true);
    expect(importsValueFrom('import type { SQL } from "drizzle-orm";', /^drizzle-orm/)).toBe(false);
    expect(importsValueFrom('import { type MessageStatus } from "@db/schema";', /^@db\/schema$/)).toBe(false);
    expect(importsValueFrom('import * as schema from "@db/schema";', /^@db\/schema$/)).toBe(true);
    expect(importsValueFrom('import schema from "@db/schema";', /^@db\/schema$/)).toBe(true);
  });

  it("no route imports drizzle-orm or values from the schema: queries live in domain modules", () => {
    const offenders = routes.filter((file) => {
      if (file in ROUTES_STILL_QUERYING) return false;
      return importsOf(readFileSync(join(ROOT, file), "utf8")).some(
        (statement) =>
          importsValueFrom(statement, /^drizzle-orm(\/|$)/) || importsValueFrom(statement, /^@db\/schema$/),
      );
    });
    expect(offenders).toEqual([]);
  });

  it("domain modules return typed results: no status codes, Responses, json or redirects outside routes and app/http", () => {
    const domain = filesUnder(APP, (name) => name.endsWith(".server.ts")).filter(
      (file) => !file.startsWith("app/routes/") && !file.startsWith("app/http/") && !DOMAIN_STILL_HTTP.has(file),
    );
    expect(domain.length).toBeGreaterThan(20);
    const offenders = domain.filter((file) =>
      /status: [45]\d\d|new Response\(|\bredirect\(|\bjson(<[^>]*>)?\(/.test(readFileSync(join(ROOT, file), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
