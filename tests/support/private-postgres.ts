import { execFile } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const POSTGRES_ROOT = "/usr/lib/postgresql";
const RUNUSER = ["/usr/sbin/runuser", "/usr/bin/runuser", "/sbin/runuser"].find((candidate) => existsSync(candidate));

/** The newest installed server's bin directory (Debian layout), if any. */
function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter(
      (version) =>
        existsSync(path.join(POSTGRES_ROOT, version, "bin", "initdb")) &&
        existsSync(path.join(POSTGRES_ROOT, version, "bin", "pg_ctl")),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(POSTGRES_ROOT, versions[0], "bin") : undefined;
}

/** initdb refuses to run as root: as root we act as the `postgres` user through runuser. */
const asRoot = () => process.getuid?.() === 0;

/** Why this machine cannot run a private PostgreSQL cluster, or null when it can. */
export function privateClusterUnavailable(): string | null {
  if (!postgresBinDir()) return `no PostgreSQL server binaries (initdb, pg_ctl) under ${POSTGRES_ROOT}/<version>/bin`;
  if (asRoot() && !RUNUSER) return "running as root and runuser is missing, so initdb cannot run as the postgres user";
  if (asRoot() && !postgresIds()) return "running as root and there is no postgres user for initdb to run as";
  return null;
}

export type PrivateCluster = {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops the server: "fast" is a planned restart (sessions told to end), "immediate" a crash (no checkpoint). */
  stop: (mode: "fast" | "immediate") => Promise<void>;
  start: () => Promise<void>;
  /** Stops it if running and deletes its data. */
  destroy: () => Promise<void>;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway PostgreSQL cluster of this test's own, on a free port with its socket in a temp
 * dir, so the test can stop and start it without touching the shared server. fsync is off:
 * crash safety of the cluster itself is PostgreSQL's business, not this test's.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const reason = privateClusterUnavailable();
  if (reason) throw new Error(`a private PostgreSQL cluster cannot run here: ${reason}`);
  const bin = postgresBinDir()!;
  const dir = await mkdtemp(path.join(os.tmpdir(), "ff-pg-"));
  if (asRoot()) chownSync(dir, ...postgresIds()!);
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  const port = await freePort();
  const tool = (name: string, args: string[]) => {
    const [file, argv] = asRoot()
      ? [RUNUSER!, ["-u", "postgres", "--", path.join(bin, name), ...args]]
      : [path.join(bin, name), args];
    return run(file, argv, { timeout: 60_000 });
  };
  const withLog = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(`${what} failed: ${(error as Error).message}\n--- postgres log ---\n${log.slice(-2000)}`);
    }
  };
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () =>
    withLog("pg_ctl start", () =>
      tool("pg_ctl", ["-D", dataDir, "-o", options, "-l", logFile, "-w", "-t", "60", "start"]),
    );
  const stop = (mode: "fast" | "immediate") =>
    withLog(`pg_ctl stop -m ${mode}`, () => tool("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]));

  try {
    await withLog("initdb", () =>
      tool("initdb", ["-D", dataDir, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
    );
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await tool("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The postgres user's uid and gid, from /etc/passwd. */
function postgresIds(): [number, number] | undefined {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(":");
  return [Number(uid), Number(gid)];
}
