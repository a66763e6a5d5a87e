import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// In the server build (build/index.js), public/ is its sibling, as server.mjs serves it.
const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "public");
const found = new Map<string, string[]>();

/**
 * The chunks a built browser module imports, directly or through each other, as the URLs the
 * browser fetches. Remix's manifest leaves out of a route's `imports` whatever its entry script
 * also imports (esbuild's shared runtime helpers, for one), which a page sent without that entry
 * still needs. Undefined where the built files are not on disk (the app run from its sources).
 */
export function builtImports(moduleUrl: string): string[] | undefined {
  const cached = found.get(moduleUrl);
  if (cached) return cached;
  const imports = new Set<string>();
  const visit = (url: string) => {
    const code = readFileSync(path.join(publicDir, url), "utf8");
    for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*)"([^"]+\.js)"/g)) {
      if (specifier === undefined) continue; // the group always takes part in a match
      const imported = new URL(specifier, `http://localhost${url}`).pathname;
      if (imports.has(imported)) continue;
      imports.add(imported);
      visit(imported);
    }
  };
  try {
    visit(moduleUrl);
  } catch {
    return undefined;
  }
  const list = [...imports];
  found.set(moduleUrl, list);
  return list;
}
