import { eq, getTableName, inArray, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "@db/schema";
import { devMailbox, loginTokens, outbox, payments, pledges, staffPasswordTokens } from "@db/schema";
import { inviteStaffAccount, sendStaffPasswordLink } from "~/auth/staff-accounts.server";
import { createStaffUser, inspectStaffPasswordLink } from "~/auth/staff-auth.server";
import { inspectLoginLink } from "~/auth/supporter-auth.server";
import { hashToken } from "~/auth/tokens.server";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { OUTBOX_PAYLOAD_DAYS } from "~/jobs/outbox-pruning.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { createPledge, findPledgeByToken, resendPledgeLink } from "~/pledges/pledges.server";
import { resendMail } from "~/email/mail-log.server";
import { requestEmailChange } from "~/supporters/profile.server";
import { requestSignInLink } from "~/supporters/sign-in.server";
import { createCheckout, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { sendQueuedMail } from "../support/mail";

/**
 * Link tokens are never stored readable: after each kind of email with a link is queued (sign-in,
 * manage, email change, pay, set-password, and the resend paths), no text anywhere in the
 * database opens /account/auth/<token>, /pay/<token> or /admin/set-password/<token>; the email as
 * sent carries a link that does. Old payloads are pruned.
 */

const { t, fixtures } = useSeededDatabase();

const TABLES = (Object.values(schema).filter((value) => is(value, PgTable)) as PgTable[])
  .map((table) => getTableName(table))
  .sort();
const LINK = /http:\/\/localhost:3000\/(account\/auth|pay|admin\/set-password)\/([A-Za-z0-9_-]{20,100})/g;

/** Every row of every table as text, except the dev mailbox (the sent mail itself). */
async function databaseText(): Promise<string> {
  const texts: string[] = [];
  for (const name of TABLES.filter((n) => n !== "dev_mailbox")) {
    const result = (await t.db.execute(sql`select t::text as row from ${sql.identifier(name)} t`)) as unknown;
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { row: string }[];
    texts.push(...rows.map((r) => r.row));
  }
  return texts.join("\n");
}

/** Whether a string opens any of the three kinds of link. */
async function opensALink(candidate: string): Promise<boolean> {
  if ((await inspectLoginLink(t.db, candidate)).state !== "invalid") return true;
  if (await findPledgeByToken(t.db, candidate)) return true;
  return (await inspectStaffPasswordLink(t.db, candidate)).state === "valid";
}

/**
 * No stored string that looks like a token (any run of the token alphabet: every token we mint
 * is 43 characters, but any length the routes accept is tried) is the token of a link row: the
 * lookups the link pages make (by the token's hash), for all candidates at once.
 */
async function expectNoUsableTokenStored() {
  const text = await databaseText();
  const runs = text.match(/[A-Za-z0-9_-]{20,}/g) ?? [];
  // A long run may hide a token inside it: every window of a token's length is tried.
  const candidates = new Set<string>();
  for (const run of runs) {
    if (run.length <= 100) candidates.add(run);
    for (let i = 0; i + 43 <= run.length; i++) candidates.add(run.slice(i, i + 43));
  }
  const hashes = [...candidates].map(hashToken);
  const found = [
    ...(await t.db.select({ id: loginTokens.id }).from(loginTokens).where(inArray(loginTokens.tokenHash, hashes))),
    ...(await t.db.select({ id: pledges.id }).from(pledges).where(inArray(pledges.linkTokenHash, hashes))),
    ...(await t.db
      .select({ id: staffPasswordTokens.id })
      .from(staffPasswordTokens)
      .where(inArray(staffPasswordTokens.tokenHash, hashes))),
  ];
  expect(candidates.size).toBeGreaterThan(0);
  expect(found).toEqual([]);
  return text;
}

let adminId = 0;
beforeAll(async () => {
  adminId = await createStaffUser(t.db, {
    email: "rest.admin@fund.example",
    name: "Rest Admin",
    role: "admin",
    password: "a-long-enough-password",
  });
});

async function donor() {
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    provider: "simulated",
    email: uniqueEmail("rest"),
  });
  await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
  const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
  return { supporterId: payment.supporterId, email: checkout.email };
}

describe("link tokens at rest", () => {
  it("no table holds a usable token after every kind of link email is queued, resent and sent, yet every sent link works", async () => {
    // A receipt with its manage link, a sign-in request and an email change.
    const { supporterId, email } = await donor();
    expect(await requestSignInLink(t.db, { email, clientAddress: "198.51.100.140" })).toBe("accepted");
    expect(await requestEmailChange(t.db, { supporterId, newEmail: uniqueEmail("rest-new") })).toBe("sent");
    // A pledge paid by link, and the link resent from the pledge page.
    const pledge = await createPledge(t.db, {
      staff: { staffUserId: adminId },
      supporter: { email: uniqueEmail("rest-caller"), name: "Rest Caller", phone: "0400 111 333" },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 3100,
      payMethod: "link",
    });
    if (!pledge.ok) throw new Error(JSON.stringify(pledge.errors));
    expect((await resendPledgeLink(t.db, { staff: { staffUserId: adminId }, pledgeId: pledge.pledgeId })).status).toBe(
      "sent",
    );
    // A staff invitation, and the link sent again from the staff page.
    const invited = await inviteStaffAccount(t.db, {
      input: { email: "rest.invitee@fund.example", name: "Rest Invitee", role: "staff" },
      actorStaffId: adminId,
    });
    if (!invited.ok) throw new Error(invited.error);
    expect((await sendStaffPasswordLink(t.db, { staffUserId: invited.id, actorStaffId: adminId })).status).toBe("sent");

    const queued = await expectNoUsableTokenStored();
    expect(queued).toContain("sealed-link:v1:");
    const sent = await sendQueuedMail(t.db);

    // The mail log's resend of the receipt: still sealed at rest, and its link works when sent.
    const [receipt] = await t.db.select().from(outbox).where(eq(outbox.template, "donation-receipt")).limit(1);
    expect(await resendMail(t.db, { outboxId: receipt.id, staffUserId: adminId })).not.toBeNull();
    const resentSignIn = (await t.db.select().from(outbox).where(eq(outbox.template, "sign-in-link")))[0];
    expect(await resendMail(t.db, { outboxId: resentSignIn.id, staffUserId: adminId })).not.toBeNull();
    await expectNoUsableTokenStored();
    sent.push(...(await sendQueuedMail(t.db)));
    const afterSending = await expectNoUsableTokenStored();

    // Every link as sent works, and none of them is anywhere in the database.
    const links = sent.flatMap((m) =>
      [...m.text.matchAll(LINK)].map((match) => ({ to: m.to, kind: match[1], token: match[2] })),
    );
    const kinds = links.map((l) => l.kind);
    expect(kinds.filter((k) => k === "account/auth").length).toBeGreaterThanOrEqual(5); // receipt ×2, sign-in ×2, email change
    expect(kinds.filter((k) => k === "pay")).toHaveLength(2);
    expect(kinds.filter((k) => k === "admin/set-password")).toHaveLength(2);
    for (const link of links) expect(afterSending).not.toContain(link.token);
    const opening = async (kind: string) => {
      const result: boolean[] = [];
      for (const link of links.filter((l) => l.kind === kind)) result.push(await opensALink(link.token));
      return result;
    };
    expect((await opening("account/auth")).every(Boolean)).toBe(true);
    // Of the pay and set-password links, the newer one opens: resending ended the earlier one.
    expect((await opening("pay")).sort()).toEqual([false, true]);
    expect((await opening("admin/set-password")).sort()).toEqual([false, true]);
  }, 60_000);

  it(`empties the props of mail settled more than ${OUTBOX_PAYLOAD_DAYS} days ago and deletes as old dev-mailbox copies; a pruned message cannot be resent`, async () => {
    const { email } = await donor();
    await sendQueuedMail(t.db);
    const [receipt] = await t.db.select().from(outbox).where(eq(outbox.toEmail, email)).limit(1);
    await t.db
      .insert(devMailbox)
      .values({ outboxId: receipt.id, toEmail: email, subject: "s", html: "h", text: "t" })
      .onConflictDoNothing();
    const day = 24 * 60 * 60_000;
    const settled = receipt.sentAt!.getTime();

    const early = await runJobsOnce(t.db, new Date(settled + (OUTBOX_PAYLOAD_DAYS - 1) * day));
    expect(early.outboxPruning.status).toBe("done");
    expect((await t.db.select().from(outbox).where(eq(outbox.id, receipt.id)))[0].props).not.toEqual({});

    const late = await runJobsOnce(t.db, new Date(settled + (OUTBOX_PAYLOAD_DAYS + 1) * day));
    expect(late.outboxPruning).toMatchObject({
      status: "done",
      pruned: expect.any(Number),
      mailboxDeleted: expect.any(Number),
    });
    const [pruned] = await t.db.select().from(outbox).where(eq(outbox.id, receipt.id));
    expect(pruned.props).toEqual({});
    expect(pruned.sentAt).not.toBeNull();
    expect(await t.db.select().from(devMailbox).where(eq(devMailbox.outboxId, receipt.id))).toHaveLength(0);
    expect(await resendMail(t.db, { outboxId: receipt.id, staffUserId: adminId })).toBeNull();
  });
});
