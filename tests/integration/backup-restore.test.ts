// The backup and restore drill of docs/operations.md, done for real: payments are taken, the
// database is dumped with pg_dump while the app has it open, the dump is restored with
// pg_restore into a new database, the app opens that one and keeps taking payments through its
// normal paths (the simulated checkout and a signed Stripe delivery). Receipt numbers continue
// without a gap or a repeat, the campaign rollups still match the ledger, and nothing was lost.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, rowsOf, type DB } from "@db/client.server";
import { campaigns, campaignTotals, payments, receipts } from "@db/schema";
import { resetEnvCache } from "~/env.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout, giveGift, seeded } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { countAllRows } from "../support/row-counts";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database";

const run = promisify(execFile);
const PG_DUMP = "/usr/bin/pg_dump";
const PG_RESTORE = "/usr/bin/pg_restore";
const WEBHOOK_SECRET = "whsec_backup_restore_drill";
const ADMIN_URL = process.env.DATABASE_URL;

type Handle = Awaited<ReturnType<typeof openDatabase>>;
let skipReason: string | null = null;
let source: ScratchDatabase | undefined;
let restored: ScratchDatabase | undefined;
const handles: Handle[] = [];
let workDir: string | undefined;

beforeAll(async () => {
  if (!ADMIN_URL) {
    skipReason =
      "backup and restore drill skipped: it needs PostgreSQL (set DATABASE_URL). PGlite is backed up by copying its stopped data directory (docs/operations.md)";
    return;
  }
  // pg_dump refuses a server newer than itself: say so rather than fail obscurely.
  const client = Number(/(\d+)\.\d+/.exec((await run(PG_DUMP, ["--version"])).stdout)?.[1]);
  source = await createScratchDatabase(ADMIN_URL, "ff_test_backup", {
    template: inject("templateDatabase") || undefined,
  });
  const handle = await openDatabase({ url: source.url, poolSize: 2 });
  handles.push(handle);
  const [{ version }] = rowsOf<{ version: string }>(
    await handle.db.execute(sql`select current_setting('server_version_num') as version`),
  );
  const server = Math.floor(Number(version) / 10_000);
  if (client < server)
    skipReason = `backup and restore drill skipped: pg_dump ${client} cannot dump a PostgreSQL ${server} server; install postgresql-client-${server}`;
  workDir = await mkdtemp(path.join(os.tmpdir(), "ff-backup-"));
  process.env.STRIPE_SECRET_KEY = "sk_test_51BackupRestoreDrill";
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  resetEnvCache();
}, 60_000);

afterAll(async () => {
  delete process.env.STRIPE_SECRET_KEY;
  delete process.env.STRIPE_WEBHOOK_SECRET;
  resetEnvCache();
  for (const handle of handles) await handle.close();
  await restored?.drop();
  await source?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A gift through the simulated checkout and one through a signed Stripe delivery: the app's two paths for a payment. */
async function takePayments(db: DB, campaignId: number, amounts: number[]) {
  for (const amountMinor of amounts.slice(1)) await giveGift(db, { campaignId, amountMinor, feeCoverMinor: 0 });
  const checkout = await createCheckout(db, { campaignId, amountMinor: amounts[0], feeCoverMinor: 0 });
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId }),
    amountTotal: amounts[0],
    email: checkout.email,
  });
  const result = await handleStripeWebhook(
    db,
    signedWebhookRequest(stripeEvent("checkout.session.completed", session), WEBHOOK_SECRET),
  );
  expect(result).toMatchObject({ status: 200, body: { outcome: "applied" } });
}

async function receiptNumbers(db: DB) {
  const fromLedger = (
    await db.select({ n: payments.receiptNumber }).from(payments).orderBy(asc(payments.receiptNumber))
  ).map((r) => r.n);
  const issued = (
    await db.select({ n: receipts.receiptNumber }).from(receipts).orderBy(asc(receipts.receiptNumber))
  ).map((r) => r.n);
  expect(issued).toEqual(fromLedger);
  return fromLedger;
}

/** The campaign totals the triggers keep, against the same figures summed from the ledger. */
async function expectRollupsToMatchLedger(db: DB) {
  const net = sql`greatest(${payments.amountMinor} - ${payments.refundedMinor} - ${payments.feeCoverMinor}, 0)`;
  const summed = await db
    .select({
      campaignId: payments.campaignId,
      currency: payments.currency,
      raisedMinor: sql<number>`sum(${net})::bigint`.mapWith(Number),
      supporters: sql<number>`(count(distinct ${payments.supporterId}) filter (where ${payments.amountMinor} > ${payments.refundedMinor}))::int`,
    })
    .from(payments)
    .groupBy(payments.campaignId, payments.currency)
    .orderBy(payments.campaignId, payments.currency);
  const kept = await db
    .select({
      campaignId: campaignTotals.campaignId,
      currency: campaignTotals.currency,
      raisedMinor: campaignTotals.raisedMinor,
      supporters: campaignTotals.supporters,
    })
    .from(campaignTotals)
    .where(sql`${campaignTotals.raisedMinor} <> 0 or ${campaignTotals.supporters} <> 0`)
    .orderBy(campaignTotals.campaignId, campaignTotals.currency);
  expect(kept.map((r) => ({ ...r, raisedMinor: Number(r.raisedMinor) }))).toEqual(summed);
  return summed;
}

describe("backup and restore", () => {
  it("a dump restored into a new database keeps taking payments, receipt numbers continuing without a gap", async ({
    skip,
  }) => {
    if (skipReason) skip(skipReason);
    const live = handles[0].db;
    const { campaign } = await seeded(live);
    await takePayments(live, campaign.id, [2500, 1000, 5000, 1234]);
    const numbersBefore = await receiptNumbers(live);
    expect(numbersBefore).toHaveLength(4);
    const rowsAtBackup = await countAllRows(live);

    // The drill as docs/operations.md writes it, while the app still has the database open.
    const dump = path.join(workDir!, "fighting-fund.dump");
    await run(PG_DUMP, ["--format=custom", "--no-owner", "--file", dump, "--dbname", source!.url]);
    restored = await createScratchDatabase(ADMIN_URL!, "ff_test_restored");
    await run(PG_RESTORE, ["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", restored.url, dump]);

    // The app opens the restored copy as it would at start (its migrator finds nothing to do).
    const handle = await openDatabase({ url: restored.url, poolSize: 2 });
    handles.push(handle);
    const db = handle.db;
    expect(await countAllRows(db)).toEqual(rowsAtBackup);
    expect(await receiptNumbers(db)).toEqual(numbersBefore);
    const [restoredCampaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(restoredCampaign.slug).toBe(campaign.slug);

    await takePayments(db, campaign.id, [3000, 700, 4200]);
    const numbersAfter = await receiptNumbers(db);
    const first = numbersBefore[0];
    expect(numbersAfter).toEqual(Array.from({ length: 7 }, (_, i) => first + i));
    const totals = await expectRollupsToMatchLedger(db);
    expect(totals.find((r) => r.campaignId === campaign.id)?.raisedMinor).toBe(
      2500 + 1000 + 5000 + 1234 + 3000 + 700 + 4200,
    );
  });
});
