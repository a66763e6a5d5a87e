import { and, asc, eq, inArray, isNull, ne, notInArray, or, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import {
  auditLog,
  paymentRefunds,
  staffNotes,
  campaigns,
  checkouts,
  devMailbox,
  loginTokens,
  outbox,
  payments,
  plans,
  pledges,
  receipts,
  sessions,
  subscriptions,
  supporters,
  webhookFailures,
} from "@db/schema";
import { recordAudit, type AuditEntry } from "~/audit/audit.server";
import { revokeAllSessions } from "~/auth/supporter-auth.server";
import { t } from "~/i18n/t";
import { describeError, logger } from "~/log.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getPaymentProvider, PaymentProviderError, type PaymentProvider } from "~/payments/provider.server";

/** Subscription states with nothing left to cancel. */
export const FINISHED_STATUSES = ["canceled", "incomplete_expired"];

export function erasedEmail(supporterId: number) {
  return `erased-${supporterId}@invalid`;
}

/**
 * Every address that is this supporter's: the current one, and earlier ones their links were
 * sent to (login tokens record the address), unless someone else has since taken that address.
 * Lower-cased, as email_key is.
 */
async function addressesOf(tx: DB, supporter: { id: number; email: string | null }): Promise<string[]> {
  const earlier = await tx
    .selectDistinct({ email: loginTokens.email })
    .from(loginTokens)
    .where(eq(loginTokens.supporterId, supporter.id));
  // A caller of the phone line may have no address at all (then only earlier ones, if any).
  const current = supporter.email ? [supporter.email.toLowerCase()] : [];
  const candidates = [...new Set([...current, ...earlier.map((r) => r.email.toLowerCase())])].filter(Boolean);
  if (candidates.length === 0) return [];
  const takenByOthers = await tx
    .select({ key: supporters.emailKey })
    .from(supporters)
    .where(and(inArray(supporters.emailKey, candidates), ne(supporters.id, supporter.id)));
  const taken = new Set(takenByOthers.map((r) => r.key));
  return candidates.filter((address) => !taken.has(address));
}

/** The checkouts a supporter started: those their payments came from, and any under their addresses. */
function checkoutsOf(supporterId: number, addresses: string[]) {
  return or(
    inArray(
      checkouts.id,
      sql`(select ${payments.checkoutId} from ${payments} where ${payments.supporterId} = ${supporterId} and ${payments.checkoutId} is not null)`,
    ),
    addresses.length ? inArray(sql`lower(${checkouts.email})`, addresses) : undefined,
  );
}

function auditAbout(supporterId: number, subscriptionIds: number[], paymentIds: number[]) {
  return or(
    and(eq(auditLog.actorType, "supporter"), eq(auditLog.actorId, supporterId)),
    and(eq(auditLog.targetType, "supporter"), eq(auditLog.targetId, String(supporterId))),
    subscriptionIds.length
      ? and(eq(auditLog.targetType, "subscription"), inArray(auditLog.targetId, subscriptionIds.map(String)))
      : undefined,
    paymentIds.length
      ? and(eq(auditLog.targetType, "payment"), inArray(auditLog.targetId, paymentIds.map(String)))
      : undefined,
  );
}

/** What the privacy page needs to say before the supporter acts. */
export async function getPrivacyOverview(db: DB, { supporterId }: { supporterId: number }) {
  const [supporter] = await db
    .select({ email: supporters.email })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!supporter) return null;
  const live = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(eq(subscriptions.supporterId, supporterId), notInArray(subscriptions.status, FINISHED_STATUSES)));
  const settings = await getOrganisationSettings(db);
  return { email: supporter.email, liveSubscriptions: live.length, retentionMonths: settings.retentionMonths };
}

/**
 * Everything held about one supporter, as a document they can keep. Sign-in tokens and session
 * secrets are left out (they are keys, not facts about the person); so is anything about
 * anyone else, such as which staff member did something.
 */
export async function exportSupporterData(
  db: DB,
  { supporterId, now = new Date() }: { supporterId: number; now?: Date },
) {
  return db.transaction(async (tx) => {
    const [supporter] = await tx
      .select()
      .from(supporters)
      .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
    if (!supporter) return null;
    const addresses = await addressesOf(tx, supporter);
    const subs = await tx
      .select({ sub: subscriptions, planCode: plans.code, planName: plans.name, campaignName: campaigns.name })
      .from(subscriptions)
      .innerJoin(campaigns, eq(campaigns.id, subscriptions.campaignId))
      .leftJoin(plans, eq(plans.id, subscriptions.planId))
      .where(eq(subscriptions.supporterId, supporterId))
      .orderBy(asc(subscriptions.id));
    const paid = await tx
      .select({ payment: payments, campaignName: campaigns.name, planName: plans.name })
      .from(payments)
      .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
      .leftJoin(plans, eq(plans.id, payments.planId))
      .where(eq(payments.supporterId, supporterId))
      .orderBy(asc(payments.paidAt), asc(payments.id));
    const paymentIds = paid.map((p) => p.payment.id);
    const issued = paymentIds.length
      ? await tx
          .select()
          .from(receipts)
          .where(inArray(receipts.paymentId, paymentIds))
          .orderBy(asc(receipts.receiptNumber))
      : [];
    const started = await tx
      .select({ checkout: checkouts, campaignName: campaigns.name })
      .from(checkouts)
      .innerJoin(campaigns, eq(campaigns.id, checkouts.campaignId))
      .where(checkoutsOf(supporterId, addresses))
      .orderBy(asc(checkouts.createdAt));
    const mail = addresses.length
      ? await tx
          .select({
            template: outbox.template,
            to: outbox.toEmail,
            createdAt: outbox.createdAt,
            sentAt: outbox.sentAt,
            failedAt: outbox.failedAt,
          })
          .from(outbox)
          .where(inArray(sql`lower(${outbox.toEmail})`, addresses))
          .orderBy(asc(outbox.createdAt))
      : [];
    const signIns = await tx
      .select({ createdAt: sessions.createdAt, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.supporterId, supporterId))
      .orderBy(asc(sessions.createdAt));
    const audits = await tx
      .select()
      .from(auditLog)
      .where(
        auditAbout(
          supporterId,
          subs.map((s) => s.sub.id),
          paymentIds,
        ),
      )
      .orderBy(asc(auditLog.id));

    const notes = await tx
      .select({ at: staffNotes.createdAt, body: staffNotes.body })
      .from(staffNotes)
      .where(eq(staffNotes.supporterId, supporterId))
      .orderBy(asc(staffNotes.id));
    // Refunds staff made of their payments, with the reason and note (ADR 039).
    const refundsMade = paymentIds.length
      ? await tx
          .select({
            paymentId: paymentRefunds.paymentId,
            at: paymentRefunds.acceptedAt,
            amountMinor: paymentRefunds.amountMinor,
            currency: paymentRefunds.currency,
            reason: paymentRefunds.reason,
            note: paymentRefunds.note,
          })
          .from(paymentRefunds)
          .where(and(inArray(paymentRefunds.paymentId, paymentIds), sql`${paymentRefunds.acceptedAt} is not null`))
          .orderBy(asc(paymentRefunds.id))
      : [];

    await recordAudit(tx, {
      actor: { type: "supporter", id: supporterId },
      action: "supporter.export",
      target: { type: "supporter", id: supporterId },
    });

    const organisation = await getOrganisationSettings(tx);
    return {
      format: "fighting-fund/supporter-data/1",
      exportedAt: now.toISOString(),
      organisation: {
        name: organisation.orgName,
        contactEmail: organisation.contactEmail,
        contactAddress: organisation.contactAddress,
      },
      supporter: {
        id: supporter.id,
        email: supporter.email,
        name: supporter.name,
        phone: supporter.phone,
        anonymous: supporter.anonymous,
        postalAddress: supporter.addressLine1
          ? {
              line1: supporter.addressLine1,
              line2: supporter.addressLine2,
              city: supporter.addressCity,
              state: supporter.addressState,
              postalCode: supporter.addressPostalCode,
              country: supporter.addressCountry,
            }
          : null,
        card: supporter.cardLast4
          ? {
              brand: supporter.cardBrand,
              last4: supporter.cardLast4,
              expMonth: supporter.cardExpMonth,
              expYear: supporter.cardExpYear,
            }
          : null,
        stripeCustomerId: supporter.stripeCustomerId,
        // Details a checkout with their email gave that differ from the above, awaiting staff.
        detailsGivenAtCheckout: supporter.checkoutDetails,
        createdAt: supporter.createdAt,
        updatedAt: supporter.updatedAt,
      },
      subscriptions: subs.map(({ sub, planCode, planName, campaignName }) => ({
        id: sub.id,
        kind: sub.kind,
        what: planName ?? `Monthly gift to ${campaignName}`,
        plan: planCode,
        amountMinor: sub.amountMinor,
        currency: sub.currency,
        interval: sub.interval,
        status: sub.status,
        provider: sub.provider,
        providerSubscriptionId: sub.providerSubscriptionId,
        currentPeriodEnd: sub.currentPeriodEnd,
        cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
        pausedUntil: sub.pausedUntil,
        cancelReason: sub.cancelReason,
        deliveryAddress: sub.deliveryAddress,
        createdAt: sub.createdAt,
      })),
      payments: paid.map(({ payment, campaignName, planName }) => ({
        id: payment.id,
        receiptNumber: payment.receiptNumber,
        paidAt: payment.paidAt,
        kind: payment.kind,
        what: planName ?? campaignName,
        campaign: campaignName,
        method: payment.method,
        provider: payment.provider,
        providerPaymentId: payment.providerPaymentId,
        amountMinor: payment.amountMinor,
        feeCoverMinor: payment.feeCoverMinor,
        refundedMinor: payment.refundedMinor,
        currency: payment.currency,
        anonymous: payment.anonymous,
        message: payment.message,
        // The wall of solidarity: whether staff approved it, and how it is signed there (ADR 043).
        messageStatus: payment.message ? payment.messageStatus : null,
        wallName: payment.wallName,
        wallTown: payment.wallTown,
        wallShowsAmount: payment.wallShowsAmount,
        coversUntil: payment.coversUntil,
        deliveryAddress: payment.deliveryAddress,
        subscriptionId: payment.subscriptionId,
      })),
      receipts: issued.map((r) => ({
        receiptNumber: r.receiptNumber,
        paymentId: r.paymentId,
        issuedAt: r.issuedAt,
        snapshot: r.snapshot,
      })),
      checkouts: started.map(({ checkout, campaignName }) => ({
        id: checkout.id,
        campaign: campaignName,
        kind: checkout.kind,
        amountMinor: checkout.amountMinor,
        feeCoverMinor: checkout.feeCoverMinor,
        currency: checkout.currency,
        email: checkout.email,
        name: checkout.name,
        anonymous: checkout.anonymous,
        message: checkout.message,
        showAmount: checkout.showAmount,
        status: checkout.status,
        createdAt: checkout.createdAt,
        completedAt: checkout.completedAt,
      })),
      emails: mail,
      // What staff wrote about them is theirs to see too (without naming the member of staff).
      staffNotes: notes,
      refunds: refundsMade,
      sessions: signIns,
      auditLog: audits.map((a) => ({
        at: a.createdAt,
        action: a.action,
        // Who did it, but not which member of staff: that is someone else's data.
        by: a.actorType === "supporter" && a.actorId === supporterId ? "you" : a.actorType,
        target: { type: a.targetType, id: a.targetId },
        details: a.details,
      })),
    };
  });
}

export type SupporterExport = NonNullable<Awaited<ReturnType<typeof exportSupporterData>>>;

/**
 * Replaces a supporter's personal details with placeholders, in the caller's transaction.
 * The ledger keeps its amounts, dates and receipt numbers, so the accounts still add up; the
 * free text people wrote (messages, cancellation reasons) goes, as do sign-in links and
 * sessions. Returns false when there was no one left to erase.
 */
export async function eraseSupporterRecords(
  tx: DB,
  input: {
    supporterId: number;
    actor: AuditEntry["actor"];
    reason: "request" | "retention";
    cancelledSubscriptionIds?: number[];
    now?: Date;
  },
): Promise<boolean> {
  const now = input.now ?? new Date();
  const [supporter] = await tx
    .select({ id: supporters.id, email: supporters.email, stripeCustomerId: supporters.stripeCustomerId })
    .from(supporters)
    .where(and(eq(supporters.id, input.supporterId), isNull(supporters.erasedAt)))
    .for("update");
  if (!supporter) return false;
  const placeholder = erasedEmail(supporter.id);
  const addresses = await addressesOf(tx, supporter);
  // A change of address that was asked for but never confirmed: only its own confirmation mail is theirs.
  const pending = await tx
    .selectDistinct({ email: loginTokens.newEmail })
    .from(loginTokens)
    .where(and(eq(loginTokens.supporterId, supporter.id), eq(loginTokens.purpose, "email_change")));
  const pendingAddresses = pending.flatMap((p) => (p.email ? [p.email.toLowerCase()] : []));

  const scrubbedCheckouts = await tx
    .update(checkouts)
    .set({ email: placeholder, name: "", message: null })
    .where(checkoutsOf(supporter.id, addresses))
    .returning({ id: checkouts.id });
  const ledger = await tx
    .update(payments)
    // The wall of solidarity's name and town go with the message (ADR 043).
    .set({
      message: null,
      anonymous: true,
      deliveryAddress: null,
      wallName: null,
      wallTown: null,
      wallShowsAmount: false,
    })
    .where(eq(payments.supporterId, supporter.id))
    .returning({ id: payments.id });
  if (ledger.length) {
    await tx
      .update(receipts)
      .set({
        snapshot: sql`jsonb_set(${receipts.snapshot}, '{donor}', ${JSON.stringify({ name: null, email: placeholder })}::jsonb)`,
      })
      .where(
        inArray(
          receipts.paymentId,
          ledger.map((p) => p.id),
        ),
      );
  }
  const mailTo = or(
    addresses.length ? inArray(sql`lower(${outbox.toEmail})`, addresses) : undefined,
    pendingAddresses.length
      ? and(eq(outbox.template, "email-change-confirm"), inArray(sql`lower(${outbox.toEmail})`, pendingAddresses))
      : undefined,
  );
  const mail = mailTo
    ? await tx
        .update(outbox)
        .set({
          toEmail: placeholder,
          props: {},
          // Mail not yet sent never will be: there is no one to send it to.
          failedAt: sql`case when ${outbox.sentAt} is null then coalesce(${outbox.failedAt}, ${now.toISOString()}::timestamptz) else ${outbox.failedAt} end`,
          lastError: sql`case when ${outbox.sentAt} is null then 'recipient erased' else ${outbox.lastError} end`,
        })
        .where(mailTo)
        .returning({ id: outbox.id })
    : [];
  if (mail.length)
    await tx.delete(devMailbox).where(
      inArray(
        devMailbox.outboxId,
        mail.map((m) => m.id),
      ),
    );
  const failures = await deleteWebhookFailuresNaming(tx, { addresses, stripeCustomerId: supporter.stripeCustomerId });
  await tx
    .update(subscriptions)
    .set({ cancelReason: null, deliveryAddress: null })
    .where(eq(subscriptions.supporterId, supporter.id));
  await tx.delete(loginTokens).where(eq(loginTokens.supporterId, supporter.id));
  // A message of support given over the phone waits on its pledge until paid: it goes too.
  await tx.update(pledges).set({ message: null, anonymous: true }).where(eq(pledges.supporterId, supporter.id));
  // Notes are free text about a person: they go with the person.
  await tx.delete(staffNotes).where(eq(staffNotes.supporterId, supporter.id));
  // So are refund notes; the refund itself (amount, reason) stays with the payment, as the books need.
  await tx
    .update(paymentRefunds)
    .set({ note: null })
    .where(
      inArray(
        paymentRefunds.paymentId,
        tx.select({ id: payments.id }).from(payments).where(eq(payments.supporterId, supporter.id)),
      ),
    );
  await revokeAllSessions(tx, { supporterId: supporter.id, now });
  await tx
    .update(supporters)
    .set({
      email: placeholder,
      name: "",
      phone: null,
      anonymous: true,
      stripeCustomerId: null,
      addressLine1: null,
      addressLine2: null,
      addressCity: null,
      addressState: null,
      addressPostalCode: null,
      addressCountry: null,
      cardBrand: null,
      cardLast4: null,
      cardExpMonth: null,
      cardExpYear: null,
      checkoutDetails: null,
      detailsFromCheckoutId: null,
      erasedAt: now,
      updatedAt: now,
    })
    .where(eq(supporters.id, supporter.id));
  await recordAudit(tx, {
    actor: input.actor,
    action: "supporter.erase",
    target: { type: "supporter", id: supporter.id },
    details: {
      reason: input.reason,
      subscriptionsCancelled: input.cancelledSubscriptionIds ?? [],
      payments: ledger.length,
      checkouts: scrubbedCheckouts.length,
      emails: mail.length,
      webhookFailures: failures,
    },
  });
  return true;
}

/**
 * Stored webhook failures are whole Stripe events, with the customer's email, name and address:
 * those naming the person go. Matched as JSON strings (quotes included), so `a@b.co` does not
 * take `xa@b.com`'s events with it. A replay of one could only bring the person back.
 */
async function deleteWebhookFailuresNaming(
  tx: DB,
  { addresses, stripeCustomerId }: { addresses: string[]; stripeCustomerId: string | null },
): Promise<number> {
  const payload = sql`${webhookFailures.payload}::text`;
  const naming = or(
    ...addresses.map((address) => sql`strpos(lower(${payload}), ${JSON.stringify(address.toLowerCase())}) > 0`),
    stripeCustomerId ? sql`strpos(${payload}, ${JSON.stringify(stripeCustomerId)}) > 0` : undefined,
  );
  if (!naming) return 0;
  const deleted = await tx.delete(webhookFailures).where(naming).returning({ eventId: webhookFailures.eventId });
  return deleted.length;
}

export type EraseOutcome =
  { status: "erased" } | { status: "not_found" } | { status: "provider_failed"; message: string };

/**
 * "Erase me": first stops every live subscription at once through the payment provider (so no
 * card is charged for a person we can no longer name), then erases in one transaction. If the
 * provider fails, nothing is erased and the supporter is told; asking again is safe, because
 * the cancellations carry idempotency keys.
 */
export async function eraseSupporter(
  db: DB,
  {
    supporterId,
    provider = getPaymentProvider(),
    now = new Date(),
  }: { supporterId: number; provider?: PaymentProvider; now?: Date },
): Promise<EraseOutcome> {
  const [supporter] = await db
    .select({ id: supporters.id, stripeCustomerId: supporters.stripeCustomerId })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!supporter) return { status: "not_found" };
  const live = await db
    .select({ id: subscriptions.id, providerSubscriptionId: subscriptions.providerSubscriptionId })
    .from(subscriptions)
    .where(and(eq(subscriptions.supporterId, supporterId), notInArray(subscriptions.status, FINISHED_STATUSES)));
  const origins = live.length
    ? await db
        .selectDistinctOn([payments.subscriptionId], {
          subscriptionId: payments.subscriptionId,
          checkoutId: payments.checkoutId,
        })
        .from(payments)
        .where(
          inArray(
            payments.subscriptionId,
            live.map((s) => s.id),
          ),
        )
        .orderBy(payments.subscriptionId, asc(payments.id))
    : [];
  for (const sub of live) {
    try {
      await provider.cancelSubscription({
        providerSubscriptionId: sub.providerSubscriptionId,
        checkoutId: origins.find((o) => o.subscriptionId === sub.id)?.checkoutId ?? null,
        atPeriodEnd: false,
        idempotencyKey: `erase:${sub.providerSubscriptionId}`,
      });
    } catch (error) {
      logger.warn(
        { supporterId, subscriptionId: sub.id, err: describeError(error) },
        "erasure stopped: a subscription could not be cancelled",
      );
      return {
        status: "provider_failed",
        message: error instanceof PaymentProviderError ? error.message : t("error.provider"),
      };
    }
  }
  // Then the provider forgets them too: our placeholders mean little if Stripe keeps the name.
  if (supporter.stripeCustomerId) {
    try {
      await provider.forgetCustomer({ providerCustomerId: supporter.stripeCustomerId });
    } catch (error) {
      logger.warn(
        { supporterId, err: describeError(error) },
        "erasure stopped: the provider could not forget the customer",
      );
      return {
        status: "provider_failed",
        message: error instanceof PaymentProviderError ? error.message : t("error.provider"),
      };
    }
  }
  const erased = await db.transaction((tx) =>
    eraseSupporterRecords(tx, {
      supporterId,
      actor: { type: "supporter", id: supporterId },
      reason: "request",
      cancelledSubscriptionIds: live.map((s) => s.id),
      now,
    }),
  );
  if (erased) logger.info({ supporterId, subscriptionsCancelled: live.length }, "supporter erased on request");
  return erased ? { status: "erased" } : { status: "not_found" };
}
