import { existsSync } from "node:fs";
import net from "node:net";
import postgres from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase, rowsOf } from "@db/client.server";
import { sql } from "drizzle-orm";
import { SERVER_ADMIN_URL } from "../support/scratch-database";

/*
 * Two things the postgres.js patch (patches/postgres+3.4.9.patch, ADR 057) does for how the app
 * reaches PostgreSQL:
 * - DATABASE_URL may name a Unix socket's directory as libpq does, `?host=/var/run/postgresql`,
 *   for a PostgreSQL on the same machine: no TCP on either side of each round trip.
 * - A transaction's statements sent together (ADR 054, 056) go out in one socket write even when
 *   they pass 1 KB; postgres.js wrote the first kilobyte at once and the rest a moment later, a
 *   second system call for one round trip.
 * Needs PostgreSQL: DATABASE_URL's server, or the usual one at 127.0.0.1:5432, on this machine.
 */

let unreachable: string | null = null;
/** The directory of DATABASE_URL's server's own Unix socket, or why the socket tests are skipped. */
let socketDir: string | null = null;
let noSocket = "";

beforeAll(async () => {
  const admin = postgres(SERVER_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let server: { dirs: string; port: string; started: string };
  try {
    [server] = await admin<(typeof server)[]>`
      select current_setting('unix_socket_directories') as dirs, current_setting('port') as port,
             pg_postmaster_start_time()::text as started`;
  } catch (error) {
    if (process.env.DATABASE_URL) throw error;
    unreachable = `PostgreSQL at ${new URL(SERVER_ADMIN_URL).host} is not reachable; start it or set DATABASE_URL`;
    return;
  } finally {
    await admin.end();
  }
  // A socket of the same name on this machine, reached with postgres.js's own `path` option (no URL
  // read at all), that is the same server and lets us in (not peer authentication, say): only then
  // is the URL's form tested, and then a failure is the URL's.
  const dir = server.dirs
    .split(",")
    .map((d) => d.trim())
    .find((d) => d && existsSync(`${d}/.s.PGSQL.${server.port}`));
  if (!dir) {
    noSocket = "the server's Unix socket is not on this machine";
    return;
  }
  const direct = postgres(SERVER_ADMIN_URL, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
    path: `${dir}/.s.PGSQL.${server.port}`,
  });
  try {
    const [same] = await direct<{ started: string }[]>`select pg_postmaster_start_time()::text as started`;
    if (same.started === server.started) socketDir = dir;
    else noSocket = `the socket in ${dir} belongs to another PostgreSQL server`;
  } catch (error) {
    noSocket = `the server's Unix socket in ${dir} does not let this user in (${(error as Error).message})`;
  } finally {
    await direct.end();
  }
}, 30_000);

/** DATABASE_URL's database, reached through the Unix socket in `dir`. */
function socketUrl(dir: string): string {
  const url = new URL(SERVER_ADMIN_URL);
  url.searchParams.set("host", dir);
  return url.toString();
}

describe("DATABASE_URL with ?host=/directory", () => {
  it("reaches PostgreSQL through the Unix socket in that directory", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    if (!socketDir) skip(noSocket);
    const client = postgres(socketUrl(socketDir!), { max: 1, onnotice: () => {} });
    try {
      // A backend reached through a Unix socket has no client address.
      const [row] = await client<{ local: boolean; db: string }[]>`
        select client_addr is null as local, current_database() as db from pg_stat_activity where pid = pg_backend_pid()`;
      expect(row).toEqual({ local: true, db: new URL(SERVER_ADMIN_URL).pathname.slice(1) });
    } finally {
      await client.end();
    }
  });

  it("serves the app's own database layer", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    if (!socketDir) skip(noSocket);
    const handle = await openDatabase({ url: socketUrl(socketDir!), poolSize: 1 });
    try {
      const rows = rowsOf<{ local: boolean }>(
        await handle.db.execute(
          sql`select client_addr is null as local from pg_stat_activity where pid = pg_backend_pid()`,
        ),
      );
      expect(rows).toEqual([{ local: true }]);
    } finally {
      await handle.close();
    }
  });
});

describe("statements sent together", () => {
  it("go out in one socket write though they pass a kilobyte", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    // Over TLS the driver writes to a TLS socket wrapped around this one, which these counts would not see.
    if (/[?&]ssl(mode)?=(?!disable|false)/i.test(SERVER_ADMIN_URL)) skip("DATABASE_URL asks for TLS");
    const writes: number[] = [];
    // The driver's socket, with its writes counted. postgres.js takes a `socket` function (its
    // README) that its types do not list.
    const countedSocket = ({ host, port, path }: { host: string[]; port: number[]; path: string | false }) => {
      const socket = path ? net.connect(path) : net.connect({ host: host[0], port: port[0] });
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        writes.push(Buffer.byteLength(args[0] as Buffer));
        return write(...args);
      }) as typeof socket.write;
      return socket;
    };
    const client = postgres(SERVER_ADMIN_URL, {
      max: 1,
      onnotice: () => {},
      socket: countedSocket,
    } as postgres.Options<Record<string, postgres.PostgresType>>);
    try {
      await client`select 1`; // connected, and the statement's types known
      const text = "x".repeat(600);
      const statements = (tx: postgres.TransactionSql) => [
        tx`select ${text}::text as a`,
        tx`select ${text}::text as b`,
        tx`select ${text}::text as c`,
      ];
      await client.begin(statements); // each statement described and prepared once
      writes.length = 0;
      const results = await client.begin(statements);
      expect(results.map((r) => Object.keys(r[0]!)[0])).toEqual(["a", "b", "c"]);
      // BEGIN and the three statements in one write (BEGIN goes with them: ADR 056), then COMMIT.
      expect(writes).toHaveLength(2);
      expect(writes[0]).toBeGreaterThan(3 * 600);
    } finally {
      await client.end();
    }
  });
});
