import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, disconnect } from "@db/client.server";
import { staffUsers } from "@db/schema";
import { action as signInAction, loader as signInLoader } from "~/routes/admin.sign-in";
import { loader as staffPageLoader } from "~/routes/admin.staff";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { createScratchDatabase } from "../support/scratch-database";

/**
 * The documented way to make the first admin: `npm run staff -- create --email … --name …
 * --role admin`, the password on standard input, against a database nobody has touched yet. The
 * account it makes can sign in and reach the admin-only pages.
 */

const root = path.resolve(__dirname, "../..");
const ADMIN = {
  email: "first.cli.admin@fund.example",
  name: "First Cli Admin",
  password: "the first admin's long password",
};

/** A database the app has never opened: a new PostgreSQL database when DATABASE_URL is set, else an empty PGlite directory. */
let databaseEnv: Record<string, string> = {};
let drop: () => Promise<void> = async () => {};
beforeAll(async () => {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ff-staff-cli-"));
    databaseEnv = { PGLITE_DATA_DIR: dir };
    drop = () => rm(dir, { recursive: true, force: true });
    return;
  }
  const scratch = await createScratchDatabase(adminUrl, "ff_cli");
  databaseEnv = { DATABASE_URL: scratch.url };
  drop = scratch.drop;
});
afterAll(async () => {
  await disconnect();
  await drop();
});

/** Runs `npm run staff -- <args>` as an operator would, typing `stdin`. */
function runStaffCli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("npm", ["run", "--silent", "staff", "--", ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      ...databaseEnv,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

const createArgs = ["create", "--email", ADMIN.email, "--name", ADMIN.name, "--role", "admin"];

describe("npm run staff -- create", () => {
  it("refuses a short password and makes no account", async () => {
    const result = await runStaffCli(createArgs, "too-short\n");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/password: the password must be at least 12 characters/);
  });

  it("makes an admin in a fresh database who can sign in and open the admin-only pages", async () => {
    const result = await runStaffCli(createArgs, `${ADMIN.password}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`created admin account for ${ADMIN.email}`);
    expect(result.stdout + result.stderr).not.toContain(ADMIN.password);

    // The same database, opened by the app (it applies nothing new: the CLI migrated it).
    const { db } = await connect({ url: databaseEnv.DATABASE_URL, dataDir: databaseEnv.PGLITE_DATA_DIR });
    const people = await db.select().from(staffUsers);
    expect(
      people.map((p) => ({ email: p.email, name: p.name, role: p.role, disabled: p.disabledAt !== null })),
    ).toEqual([{ email: ADMIN.email, name: ADMIN.name, role: "admin", disabled: false }]);
    expect(people[0].passwordHash).toMatch(/^\$argon2id\$/);

    const { cookie, token } = await csrfFor(signInLoader, "/admin/sign-in");
    const signedIn = await postForm(
      signInAction,
      "/admin/sign-in",
      { csrf: token, email: ADMIN.email, password: ADMIN.password, next: "/admin/staff" },
      { cookie, clientAddress: "203.0.113.160" },
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Location")).toBe("/admin/staff");
    const staffCookie = (signedIn.headers.get("Set-Cookie") ?? "").split(";")[0];
    expect(staffCookie).toMatch(/^ff_staff=/);

    const staffPage = await callLoader(staffPageLoader, "/admin/staff", { cookie: staffCookie });
    expect(staffPage.status).toBe(200);
    expect(JSON.stringify(await staffPage.json())).toContain(ADMIN.email);
  });
});
