// `npm run staff -- create --email E --name N --role admin|staff`: creates a staff account (or
// resets the password and role of an existing one). The password is read from standard input,
// never from the command line, where it would land in shell history and process lists.
// With `--link` no password is read: the account gets a one-time set-password link instead
// (printed, not emailed; valid 72 hours), built on APP_URL.
import { parseArgs } from "node:util";
import { connect, disconnect, type DB } from "@db/client.server";
import { EnvError, getEnv, type Env } from "~/env.server";
// The messages staff read (a refused password, a missing name) come from the catalogue (ADR 049).
import "~/i18n/catalogue.server";
import {
  InviteStaffSchema,
  NewStaffSchema,
  upsertStaffAccount,
  upsertStaffAccountWithLink,
} from "~/auth/staff-accounts.server";

const USAGE =
  "usage: npm run staff -- create --email E --name N --role admin|staff [--link]   (password on stdin, or --link for a set-password link)";

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password (at least 12 characters), then Enter: ");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && chunk.toString().includes("\n")) break;
  }
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? ""; // split always gives at least one
}

function reportIssues(issues: { path: PropertyKey[]; message: string }[]): number {
  for (const issue of issues) console.error(`staff: ${issue.path.map(String).join(".")}: ${issue.message}`);
  return 1;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        email: { type: "string" },
        name: { type: "string" },
        role: { type: "string", default: "staff" },
        link: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    console.error(`staff: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    return 2;
  }
  const { positionals, values } = args;
  if (positionals[0] !== "create") {
    console.error(USAGE);
    return 2;
  }
  let env;
  try {
    env = getEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    for (const line of error.lines) console.error(`  ${line}`);
    return 1;
  }
  const person = { email: values.email, name: values.name, role: values.role };
  if (values.link) {
    const parsed = InviteStaffSchema.safeParse(person);
    if (!parsed.success) return reportIssues(parsed.error.issues);
    if (!env.APP_URL) console.error(`staff: APP_URL is not set; the link assumes ${env.appUrl}`);
    return withDatabase(env, async (db) => {
      const { outcome, url } = await upsertStaffAccountWithLink(db, parsed.data);
      console.error(
        `${outcome} ${parsed.data.role} account for ${parsed.data.email}; this link works once, for 72 hours:`,
      );
      console.log(url);
    });
  }
  const parsed = NewStaffSchema.safeParse({ ...person, password: await readPassword() });
  if (!parsed.success) return reportIssues(parsed.error.issues);
  return withDatabase(env, async (db) => {
    const outcome = await upsertStaffAccount(db, parsed.data);
    console.log(`${outcome} ${parsed.data.role} account for ${parsed.data.email}`);
  });
}

async function withDatabase(env: Env, work: (db: DB) => Promise<void>): Promise<number> {
  const handle = await connect({ url: env.DATABASE_URL, dataDir: env.PGLITE_DATA_DIR });
  try {
    await work(handle.db);
    return 0;
  } finally {
    await disconnect();
  }
}

main().then((code) => process.exit(code));
