// `npm run stripe:sync`: make Stripe's Products and Prices match the active plans, found by
// lookup key. Safe to run again: an unchanged plan sends Stripe nothing but two reads.
import { pathToFileURL } from "node:url";
import { connect, disconnect, type DB } from "@db/client.server";
import { listActivePlans } from "~/campaigns/campaigns.server";
import { listPlanPrices } from "~/campaigns/currencies.server";
import { EnvError, getEnv } from "~/env.server";
import { formatMoney } from "~/money";
import { syncPlanToStripe } from "~/payments/stripe.server";

export type PlanSyncResult = {
  code: string;
  lookupKey: string;
  outcome: "created" | "updated" | "unchanged" | "failed";
  error?: string;
};

/** Syncs every active plan, one at a time; a failure is reported and the others still run. */
export async function syncActivePlans(
  db: DB,
  { log = console.log }: { log?: (line: string) => void } = {},
): Promise<PlanSyncResult[]> {
  const results: PlanSyncResult[] = [];
  const plans = await listActivePlans(db);
  const prices = await listPlanPrices(
    db,
    plans.map((p) => p.id),
  );
  for (const plan of plans) {
    const price = `${formatMoney(plan.amountMinor, plan.currency, "en-AU", { alwaysShowCents: true })} ${plan.currency}${plan.billing === "monthly" ? "/month" : " once"}`;
    try {
      const outcome = await syncPlanToStripe({ ...plan, otherPrices: prices.get(plan.id) ?? [] });
      results.push({ code: plan.code, lookupKey: plan.lookupKey, outcome });
      log(`${outcome.padEnd(9)}  ${plan.code}  (${plan.lookupKey}, ${price})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ code: plan.code, lookupKey: plan.lookupKey, outcome: "failed", error: message });
      log(`${"failed".padEnd(9)}  ${plan.code}  (${plan.lookupKey}): ${message}`);
    }
  }
  return results;
}

async function main(): Promise<number> {
  let env;
  try {
    env = getEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error("stripe:sync: the environment is not valid:");
    for (const line of error.lines) console.error(`  ${line}`);
    return 1;
  }
  if (!env.STRIPE_SECRET_KEY) {
    console.error(
      "stripe:sync: STRIPE_SECRET_KEY is not set. Set it (and STRIPE_WEBHOOK_SECRET) to the account to sync, e.g. sk_test_… for test mode.",
    );
    return 1;
  }
  const mode = env.STRIPE_SECRET_KEY.includes("_live_") ? "LIVE" : "test";
  const handle = await connect({ url: env.DATABASE_URL, dataDir: env.PGLITE_DATA_DIR });
  try {
    console.log(`Syncing active plans to Stripe (${mode} mode, ${handle.driver} database)…`);
    const results = await syncActivePlans(handle.db);
    if (results.length === 0) console.log("No active plans: nothing to sync.");
    const failed = results.filter((r) => r.outcome === "failed").length;
    if (failed > 0) console.error(`${failed} of ${results.length} plan(s) failed; run again once the cause is fixed.`);
    return failed > 0 ? 1 : 0;
  } finally {
    await disconnect();
  }
}

// Runs only when executed (tsx scripts/stripe-sync.ts), not when a test imports syncActivePlans.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error("stripe:sync failed:", error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
