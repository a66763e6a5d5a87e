import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, rowsOf } from "@db/client.server";
import { createPgliteDataDir, ensurePgliteTemplate, openPglite, openPgliteEarly } from "@db/pglite.server.mjs";

/**
 * The first `npm start` builds the app while it creates the embedded database, from a copy of a
 * migrated database made once per installation (docs/decisions/020-first-start.md).
 */

const root = path.resolve(__dirname, "../..");
const scratch = mkdtempSync(path.join(tmpdir(), "ff-first-start-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const migrationCount = (
  JSON.parse(readFileSync(path.join(root, "db/migrations/meta/_journal.json"), "utf8")) as { entries: unknown[] }
).entries.length;
const leftovers = (dir: string) => readdirSync(path.dirname(dir)).filter((name) => name.includes(".partial-"));

describe("a new embedded database", () => {
  it("is a copy of the migrated template, moved into place whole", async () => {
    const dataDir = path.join(scratch, "new", "pglite");
    expect(await createPgliteDataDir(dataDir)).toBe("copied from the template");
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    expect(leftovers(dataDir)).toEqual([]);
    expect(await createPgliteDataDir(dataDir)).toBe("existing");
  });

  it("fills an empty directory, but leaves one holding something else to PGlite", async () => {
    const empty = mkdtempSync(path.join(scratch, "empty-"));
    expect(await createPgliteDataDir(empty)).toBe("copied from the template");
    expect(existsSync(path.join(empty, "PG_VERSION"))).toBe(true);

    const cluttered = mkdtempSync(path.join(scratch, "cluttered-"));
    writeFileSync(path.join(cluttered, "notes.txt"), "mine");
    expect(await createPgliteDataDir(cluttered)).toBe("left to PGlite");
    expect(readdirSync(cluttered)).toEqual(["notes.txt"]);
  });

  it("in memory, is loaded already migrated from the template's tarball", async () => {
    await ensurePgliteTemplate();
    const client = await openPglite("memory://");
    try {
      expect((await client.query("select count(*)::int as n from drizzle.__drizzle_migrations")).rows).toEqual([
        { n: migrationCount },
      ]);
    } finally {
      await client.close();
    }
  });

  it("opened early by npm start is migrated, and is the one the server then uses, once", async () => {
    const dataDir = path.join(scratch, "early");
    const early = await openPgliteEarly(dataDir);
    expect((await early.query("select count(*)::int as n from drizzle.__drizzle_migrations")).rows).toEqual([
      { n: migrationCount },
    ]);
    const handle = await openDatabase({ dataDir });
    try {
      await handle.db.execute(sql`create table taken_over (x int)`);
      expect((await early.query("select count(*)::int as n from taken_over")).rows).toEqual([{ n: 0 }]);
    } finally {
      await handle.close();
    }
    expect(early.closed).toBe(true);
    const again = await openDatabase({ dataDir });
    try {
      expect(rowsOf(await again.db.execute(sql`select count(*)::int as n from taken_over`))).toEqual([{ n: 0 }]);
    } finally {
      await again.close();
    }
  });
});

describe("npm start, building while it creates the database", () => {
  /** The start script in a project of its own: the given app sources, the real node_modules. */
  function project(name: string, files: Record<string, string>) {
    const dir = path.join(scratch, name);
    for (const file of ["scripts/start.mjs", "db/pglite.server.mjs"])
      cpSync(path.join(root, file), path.join(dir, file));
    cpSync(path.join(root, "db/migrations"), path.join(dir, "db/migrations"), { recursive: true });
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "start-test", type: "module", dependencies: {} }),
    );
    writeFileSync(path.join(dir, "remix.config.js"), "export default {};\n");
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return dir;
  }

  function start(dir: string, env: Record<string, string> = {}) {
    return spawnSync(process.execPath, ["scripts/start.mjs"], {
      cwd: dir,
      // No DATABASE_URL: the embedded database, as in the quick start.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", PORT: "0", ...env },
      encoding: "utf8",
      timeout: 120_000,
    });
  }

  it("stops with a clear message when the build fails, leaving a whole database behind", () => {
    const dir = project("broken-build", { "app/root.tsx": "export default function Root( {\n" });
    const result = start(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Fighting Fund cannot start: the app did not build");
    expect(result.stdout).not.toContain("is running");
    expect(existsSync(path.join(dir, "data/pglite/PG_VERSION"))).toBe(true);
    expect(leftovers(path.join(dir, "data/pglite"))).toEqual([]);
  });

  it("stops with a clear message when the database cannot be created", () => {
    const dir = project("no-database", {
      "app/root.tsx": "export default function Root() { return null; }\n",
      "build/index.js": "",
    });
    // The build is newer than the sources, so only the database half runs.
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, "build/index.js"), later, later);
    writeFileSync(path.join(dir, "not-a-directory"), "");
    const result = start(dir, { PGLITE_DATA_DIR: path.join(dir, "not-a-directory", "pglite") });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Fighting Fund cannot start: the embedded database in .*not-a-directory\/pglite could not be opened: E[A-Z]+: /,
    );
    expect(result.stderr).not.toContain("did not build");
    expect(result.stderr).not.toContain("server.mjs"); // it never got as far as the server
  });
});
