// `npm run staff -- create --email E --name N --role admin|staff`: creates a staff account (or
// resets the password and role of an existing one). The password is read from standard input,
// never from the command line, where it would land in shell history and process lists.
import { parseArgs } from "node:util";
import { connect, disconnect } from "@db/client.server";
import { EnvError, getEnv } from "~/env.server";
import { NewStaffSchema, upsertStaffAccount } from "~/auth/staff-accounts.server";

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password (at least 12 characters), then Enter: ");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && chunk.toString().includes("\n")) break;
  }
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0];
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "staff" } },
  });
  if (positionals[0] !== "create") {
    console.error("usage: npm run staff -- create --email E --name N --role admin|staff   (password on stdin)");
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
  const parsed = NewStaffSchema.safeParse({ ...values, password: await readPassword() });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`staff: ${issue.path.join(".")}: ${issue.message}`);
    return 1;
  }
  const handle = await connect({ url: env.DATABASE_URL, dataDir: env.PGLITE_DATA_DIR });
  try {
    const outcome = await upsertStaffAccount(handle.db, parsed.data);
    console.log(`${outcome} ${parsed.data.role} account for ${parsed.data.email}`);
    return 0;
  } finally {
    await disconnect();
  }
}

main().then((code) => process.exit(code));
