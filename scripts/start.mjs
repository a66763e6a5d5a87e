// `npm start`: build the app if the build is missing or older than the sources and, at the same
// time, open and migrate the embedded database (two cores: docs/decisions/020-first-start.md);
// then serve. The server listens, and /healthz answers, only once both are done and it has seeded.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildFile = path.join(root, "build", "index.js");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsStale() {
  if (!existsSync(buildFile)) return true;
  const sources = ["app", "db", "emails"].map((d) => path.join(root, d)).filter(existsSync);
  return (
    Math.max(...sources.map(newestMtime), statSync(path.join(root, "remix.config.js")).mtimeMs) >
    statSync(buildFile).mtimeMs
  );
}

/**
 * A production build whatever NODE_ENV the server then runs with, as `remix build` makes when
 * NODE_ENV is unset (the quick start). A development build adds hot-reload transforms that only
 * `npm run dev` uses, and costs about 1.5 s more CPU.
 */
function build() {
  console.log("Building the app…");
  const cli = path.join(root, "node_modules", "@remix-run", "dev", "dist", "cli.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NODE_ENV: "production" },
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`remix build exited with ${signal ?? code}`)),
    );
  });
}

// The same rule as app/env.server.ts: no DATABASE_URL means the embedded database.
const dataDir = process.env.PGLITE_DATA_DIR ?? "./data/pglite";
const embedded = !process.env.DATABASE_URL?.trim() && !dataDir.startsWith("memory://");

// The build is the longer half: it starts first, before this process loads PGlite.
const [built, opened] = await Promise.allSettled([
  buildIsStale() ? build() : undefined,
  embedded ? import("../db/pglite.server.mjs").then(({ openPgliteEarly }) => openPgliteEarly(dataDir)) : undefined,
]);
if (built.status === "rejected" || opened.status === "rejected") {
  if (built.status === "rejected")
    console.error(`Fighting Fund cannot start: the app did not build (${built.reason.message}).`);
  if (opened.status === "rejected") {
    const reason = opened.reason instanceof Error ? opened.reason.message : String(opened.reason);
    console.error(`Fighting Fund cannot start: the embedded database in ${dataDir} could not be opened: ${reason}`);
  } else if (opened.value) {
    await opened.value.close().catch(() => {});
  }
  process.exit(1);
}
await import("../server.mjs");
