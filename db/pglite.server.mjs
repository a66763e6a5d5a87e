// Opening the embedded database (PGlite) cheaply. Plain JavaScript on purpose: `npm start`
// (scripts/start.mjs) opens it while the app is still being built, before any TypeScript can
// run, and the server then takes over that open database. docs/decisions/020-first-start.md.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { drizzle } from "drizzle-orm/pglite";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrate } from "drizzle-orm/pglite/migrator";

// Both db/ (scripts, tests) and build/ (where this file is bundled into the server) sit one level
// below the project root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The SQL migrations, resolved from the project root rather than the working directory. */
export const migrationsFolder = path.join(root, "db", "migrations");
const templatesDir = path.join(root, "node_modules", ".cache", "fighting-fund");

function pgliteVersion() {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8"))
      .version;
  } catch {
    return null;
  }
}

/**
 * The template names for this PGlite version after the first 1, 2, … n migrations: each names
 * the migrations it holds by a hash chained over theirs, so a template made before the latest
 * migrations is still found, and the migrator then applies only those.
 */
function templateNames() {
  const version = pgliteVersion();
  if (!version) return [];
  let chain = "";
  return readMigrationFiles({ migrationsFolder }).map((migration) => {
    chain = createHash("sha256").update(`${chain}:${migration.folderMillis}:${migration.hash}`).digest("hex");
    return `pglite-${version}-${chain.slice(0, 16)}`;
  });
}

/**
 * Where a new, migrated, empty database is kept for this installed PGlite and these migrations,
 * as a directory to copy and, beside it, a tarball for in-memory databases (`<dir>.tar`).
 * PGlite's initdb costs about 5 s of CPU and the migrations 1–2 s more; copying their result costs
 * a few tenths. `npm install` makes it (postinstall); the first new database makes it otherwise.
 */
function pgliteTemplateDir() {
  const names = templateNames();
  return names.length ? path.join(templatesDir, names[names.length - 1]) : null;
}

/** The template holding the most of the current migrations (all, after `npm install`), if any. */
function newestUsableTemplate({ tarball = false } = {}) {
  const usable = (dir) => (tarball ? existsSync(`${dir}.tar`) : isDatabase(dir));
  return (
    templateNames()
      .reverse()
      .map((name) => path.join(templatesDir, name))
      .find(usable) ?? null
  );
}

/**
 * The PostgreSQL extensions the migrations create (staff search, ADR 038). PGlite loads an
 * extension's code only when it is named here, so every PGlite this file opens names them.
 */
const extensions = { fuzzystrmatch, pg_trgm, unaccent };

const isDatabase = (dir) => existsSync(path.join(dir, "PG_VERSION"));
const isEmptyDir = (dir) => statSync(dir).isDirectory() && readdirSync(dir).length === 0;
const partial = (dir) => `${dir}.partial-${process.pid}`;

/**
 * A new database (initdb, then for a template the migrations and its tarball) beside `dir`, to be
 * moved into place whole.
 */
async function newDatabaseBeside(dir, { template }) {
  const tmp = partial(dir);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const pg = new PGlite(tmp, { extensions });
  try {
    await pg.waitReady;
    if (template) {
      await migrate(drizzle(pg), { migrationsFolder });
      const tarball = await pg.dumpDataDir("none");
      writeFileSync(`${tmp}.tar`, Buffer.from(await tarball.arrayBuffer()));
    }
  } finally {
    await pg.close().catch(() => {});
  }
  return tmp;
}

/** Makes the template with all the current migrations if it is missing; `null` when it cannot be had. */
export async function ensurePgliteTemplate() {
  const template = pgliteTemplateDir();
  if (!template) return null;
  if (isDatabase(template)) return template;
  try {
    const tmp = await newDatabaseBeside(template, { template: true });
    try {
      renameSync(`${tmp}.tar`, `${template}.tar`);
      renameSync(tmp, template);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(`${tmp}.tar`, { force: true });
      if (!isDatabase(template)) throw error; // else another process made it meanwhile
    }
    // Templates of other PGlite versions, or with fewer migrations, are not needed any more.
    const current = path.basename(template);
    for (const old of readdirSync(templatesDir)) {
      if (old.startsWith("pglite-") && !old.includes(".partial-") && old !== current && old !== `${current}.tar`) {
        rmSync(path.join(templatesDir, old), { recursive: true, force: true });
      }
    }
    return template;
  } catch {
    // A read-only node_modules, say: a new database then runs initdb itself.
    return null;
  }
}

/**
 * Creates the data directory when it holds no database yet: a copy of a template (the opener then
 * applies any migrations it lacks), else its own initdb. Made beside it and renamed, so an
 * interrupted first start leaves no half database. A directory that holds something other than a
 * database is left to PGlite, as it always was.
 */
export async function createPgliteDataDir(dataDir) {
  if (isDatabase(dataDir)) return "existing";
  if (existsSync(dataDir) && !isEmptyDir(dataDir)) return "left to PGlite";
  mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const template = newestUsableTemplate() ?? (await ensurePgliteTemplate());
  let tmp;
  if (template) {
    tmp = partial(dataDir);
    rmSync(tmp, { recursive: true, force: true });
    // A real copy, never links: PGlite writes to its data directory.
    cpSync(template, tmp, { recursive: true });
  } else {
    tmp = await newDatabaseBeside(dataDir, { template: false });
  }
  try {
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true }); // empty: checked above
    renameSync(tmp, dataDir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return template ? "copied from the template" : "initdb";
}

async function openNew(dataDir) {
  if (dataDir.startsWith("memory://")) {
    // Loading the template's tarball costs ≈ 0.7 s of CPU; initdb and the migrations ≈ 5 s.
    const template = newestUsableTemplate({ tarball: true });
    return template
      ? new PGlite(dataDir, { extensions, loadDataDir: new Blob([readFileSync(`${template}.tar`)]) })
      : new PGlite(dataDir, { extensions });
  }
  await createPgliteDataDir(dataDir);
  return new PGlite(dataDir, { extensions });
}

// The database `npm start` opened before the server module was loaded. A global, because the
// server reaches this file through its own bundled copy.
const EARLY = Symbol.for("fighting-fund.early-pglite");

/**
 * Opens the embedded database in `dataDir` ("memory://" for a throwaway one), creating it if need
 * be: the one `npm start` already opened when it is the same directory. The caller migrates it.
 * @param {string} dataDir
 * @returns {Promise<PGlite>}
 */
export async function openPglite(dataDir) {
  const early = globalThis[EARLY];
  if (early && early.dir === path.resolve(dataDir)) {
    delete globalThis[EARLY];
    return early.opening;
  }
  return openNew(dataDir);
}

/**
 * For `npm start`: opens and migrates the embedded database now, and leaves it for openPglite.
 * The promise rejects with the cause when it cannot.
 * @param {string} dataDir
 * @returns {Promise<PGlite>}
 */
export function openPgliteEarly(dataDir) {
  const opening = (async () => {
    const client = await openNew(dataDir);
    await client.waitReady;
    await migrate(drizzle(client), { migrationsFolder });
    return client;
  })();
  globalThis[EARLY] = { dir: path.resolve(dataDir), opening };
  // start.mjs reports a failure; the server only sees one if it is started some other way.
  opening.catch(() => {});
  return opening;
}
