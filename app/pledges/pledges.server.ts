import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { keyset, pageOf } from "@db/keyset.server";
import { one } from "@db/rows";
import {
  campaigns,
  GIFT_KINDS,
  payments,
  plans,
  pledges,
  PLEDGE_PAY_METHODS,
  staffUsers,
  supporters,
} from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { linkUrl } from "~/auth/link-seal.server";
import { hashToken, newToken } from "~/auth/tokens.server";
import type { StaffSession } from "~/auth/staff-auth.server";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale } from "~/email/templates";
import { startCheckout } from "~/giving/checkout.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { describeGift, recordPayment } from "~/payments/apply-event.server";
import { createSupporterWithoutEmail, ensureSupporter } from "~/supporters/supporters.server";
import { name, optionalEmail, optionalPhone, optionalText, parseAmount, postalAddress } from "~/validation/fields";
import { lazyMessage, t } from "~/i18n/t";

export const PLEDGE_LINK_TTL_MS = 14 * 24 * 60 * 60 * 1000;
export const PLEDGE_REMINDER_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
export const PLEDGE_STATUSES = ["pending", "paid", "cancelled", "expired"] as const;
export type PledgeStatus = (typeof PLEDGE_STATUSES)[number];
export type Pledge = typeof pledges.$inferSelect;

export type FieldErrors = Partial<Record<string, string>>;
type Staff = Pick<StaffSession, "staffUserId">;

/** A row id: PostgreSQL's integer, so a bigger number is simply not found. */
const MAX_ID = 2_147_483_647;
const isRowId = (n: number) => Number.isInteger(n) && n > 0 && n <= MAX_ID;

const PledgeAddressSchema = postalAddress({ audience: "staff", defaultCountry: "AU" });

/** Shown on the payment method when there is no email address to send a link to. */
export const linkNeedsEmail = (): string => t("admin.error.pledge.paymentLinkSentBy");

/**
 * A new caller: with an email address, or — for callers who have none — with a phone number
 * and a postal address, so their receipt can be posted.
 */
const NewSupporterSchema = z
  .object({
    email: optionalEmail,
    name: name({ audience: "staff", required: t("admin.error.pledge.enterCallerName") }),
    phone: optionalPhone,
    address: PledgeAddressSchema.nullish(),
  })
  .superRefine((s, ctx) => {
    if (s.email) return;
    if (!s.phone)
      ctx.addIssue({
        code: "custom",
        path: ["phone"],
        message: t("admin.error.pledge.enterEmailAddressIf"),
      });
    if (!s.address)
      ctx.addIssue({
        code: "custom",
        path: ["address"],
        message: t("admin.error.pledge.withoutEmailAddressReceipt"),
      });
  });

export const PledgeInputSchema = z
  .object({
    supporter: z.union([z.object({ existingId: z.number().int().positive().max(MAX_ID) }), NewSupporterSchema]),
    campaignId: z
      .number(lazyMessage("admin.error.pledge.chooseCampaign"))
      .int()
      .positive(lazyMessage("admin.error.pledge.chooseCampaign"))
      .max(MAX_ID, lazyMessage("admin.error.pledge.chooseCampaign")),
    kind: z.enum(GIFT_KINDS, lazyMessage("admin.error.pledge.chooseWhatTheyPledging")),
    planCode: optionalText(100),
    amountMinor: z
      .number(lazyMessage("admin.error.pledge.enterAmount"))
      .int()
      .positive(lazyMessage("admin.error.pledge.enterAmountAboveZero"))
      .max(100_000_000, lazyMessage("admin.error.pledge.amountTooLarge"))
      .optional(),
    notes: optionalText(2000, { multiline: true }),
    /** The caller's wishes for the wall of solidarity: not named publicly unless they say so (ADR 043). */
    anonymous: z.boolean().default(true),
    message: optionalText(500, { multiline: true }),
    payMethod: z.enum(PLEDGE_PAY_METHODS, lazyMessage("admin.error.pledge.chooseHowTheyWill")),
    reference: optionalText(100),
  })
  .superRefine((v, ctx) => {
    const tier = v.kind === "tier_monthly" || v.kind === "tier_one_time";
    if (tier && !v.planCode)
      ctx.addIssue({ code: "custom", path: ["planCode"], message: t("admin.error.pledge.chooseTier") });
    if (!tier && v.amountMinor === undefined)
      ctx.addIssue({ code: "custom", path: ["amount"], message: t("admin.error.pledge.enterAmount") });
    const recurring = v.kind === "monthly" || v.kind === "tier_monthly";
    if (recurring && v.payMethod !== "link")
      ctx.addIssue({
        code: "custom",
        path: ["payMethod"],
        message: t("admin.error.pledge.monthlyGiftCanOnly"),
      });
    const newWithoutEmail = !("existingId" in v.supporter) && !v.supporter.email;
    if (newWithoutEmail && v.payMethod === "link")
      ctx.addIssue({ code: "custom", path: ["payMethod"], message: linkNeedsEmail() });
  });
export type PledgeInput = z.input<typeof PledgeInputSchema>;

export type CreatePledgeResult =
  { ok: true; pledgeId: number; paymentId: number | null; payUrl: string | null } | { ok: false; errors: FieldErrors };

/** The form's flat names for the address fields ("addressLine1", "addressCity" …). */
const addressField = (part: string | undefined) =>
  part ? `address${part.charAt(0).toUpperCase()}${part.slice(1)}` : "addressLine1";

function zodErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    // Nested supporter fields are shown at the form's flat field names ("email", "addressCity" …).
    const path = issue.path.filter((p) => p !== "supporter").map(String);
    const key =
      path[0] === "address" ? addressField(path[1]) : path[0] === "amountMinor" ? "amount" : (path[0] ?? "form");
    errors[key] ??= issue.message;
  }
  return errors;
}

class FieldError extends Error {
  constructor(readonly errors: FieldErrors) {
    super("invalid pledge");
  }
}

export async function issueLink(tx: DB, pledge: Pledge, { reminder }: { reminder: boolean }) {
  const token = newToken();
  const expiresAt = reminder && pledge.expiresAt ? pledge.expiresAt : new Date(Date.now() + PLEDGE_LINK_TTL_MS);
  await tx
    .update(pledges)
    .set({ linkTokenHash: hashToken(token), expiresAt, updatedAt: new Date() })
    .where(eq(pledges.id, pledge.id));
  const supporter = one(
    await tx.select().from(supporters).where(eq(supporters.id, pledge.supporterId)),
    "issueLink: the pledge's supporter",
  );
  const campaign = one(
    await tx
      .select({ name: campaigns.name, discreet: campaigns.discreet })
      .from(campaigns)
      .where(eq(campaigns.id, pledge.campaignId)),
    "issueLink: the pledge's campaign",
  );
  const [plan] = pledge.planId
    ? await tx.select({ name: plans.name }).from(plans).where(eq(plans.id, pledge.planId))
    : [];
  const row = { supporter, campaignName: campaign.name, planName: plan?.name ?? null };
  const payUrl = linkUrl("pay", token);
  await enqueueEmail(tx, {
    template: "pledge-payment-link",
    to: row.supporter.email,
    locale: emailLocale(row.supporter.locale),
    discreet: campaign.discreet,
    idempotencyKey: `pledge-link:${hashToken(token)}`,
    props: {
      organisation: organisationDetails(await getOrganisationSettings(tx)),
      donorName: row.supporter.name || null,
      description: describeGift(pledge.kind, row.campaignName, row.planName).description,
      amountMinor: pledge.amountMinor,
      currency: pledge.currency,
      payUrl,
      expiresAt: expiresAt.toISOString(),
      reminder,
    },
  });
  return payUrl;
}

/**
 * Takes a phone pledge: finds or creates the supporter, writes the pledge and, in the same
 * transaction, either emails a payment link or records the offline payment in the ledger.
 * Nothing is written when anything is wrong.
 */
export async function createPledge(db: DB, input: PledgeInput & { staff: Staff }): Promise<CreatePledgeResult> {
  const parsed = PledgeInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error) };
  const v = parsed.data;
  try {
    return await db.transaction(async (tx) => {
      const [campaign] = await tx.select().from(campaigns).where(eq(campaigns.id, v.campaignId));
      if (!campaign) throw new FieldError({ campaignId: t("admin.error.pledge.chooseCampaign") });
      const tier = v.kind === "tier_monthly" || v.kind === "tier_one_time";
      const [plan] =
        tier && v.planCode
          ? await tx
              .select()
              .from(plans)
              .where(and(eq(plans.code, v.planCode), eq(plans.active, true)))
          : [];
      if (tier) {
        const billing = v.kind === "tier_monthly" ? "monthly" : "one_time_year";
        if (!plan || plan.billing !== billing)
          throw new FieldError({ planCode: t("admin.error.pledge.chooseTierMatchesWhat") });
        if (plan.currency !== campaign.currency)
          throw new FieldError({ planCode: t("admin.error.pledge.tierPricedAnotherCurrency") });
      }
      // Tiers are always their plan's price.
      const amountMinor = plan ? plan.amountMinor : v.amountMinor!;

      let supporterId: number;
      if ("existingId" in v.supporter) {
        const [found] = await tx
          .select({ id: supporters.id })
          .from(supporters)
          .where(and(eq(supporters.id, v.supporter.existingId), sql`${supporters.erasedAt} is null`));
        if (!found) throw new FieldError({ supporterId: t("admin.error.pledge.supporterNoLongerExists") });
        supporterId = found.id;
      } else if (v.supporter.email) {
        const s = v.supporter;
        supporterId = await ensureSupporter(tx, { email: v.supporter.email, name: s.name, address: s.address ?? null });
        if (s.phone)
          await tx
            .update(supporters)
            .set({ phone: s.phone, detailsFromCheckoutId: null, updatedAt: new Date() })
            .where(eq(supporters.id, supporterId));
      } else {
        // The schema made sure a caller without email gave a phone number and a postal address.
        const s = v.supporter;
        supporterId = await createSupporterWithoutEmail(tx, { name: s.name, phone: s.phone!, address: s.address! });
      }
      const supporter = one(
        await tx.select().from(supporters).where(eq(supporters.id, supporterId)),
        "createPledge: the supporter found or made above",
      );
      if (!supporter.email) {
        if (v.payMethod === "link") throw new FieldError({ payMethod: linkNeedsEmail() });
        if (!supporter.addressLine1)
          throw new FieldError({
            addressLine1: t("admin.error.pledge.supporterHasNoEmail"),
          });
      }
      if (plan?.tier === "print" && !supporter.addressLine1)
        throw new FieldError({ addressLine1: t("admin.error.pledge.printNeedsPostalAddress") });

      const pledge = one(
        await tx
          .insert(pledges)
          .values({
            supporterId,
            campaignId: campaign.id,
            planId: plan?.id ?? null,
            kind: v.kind,
            amountMinor,
            currency: campaign.currency,
            payMethod: v.payMethod,
            notes: v.notes,
            anonymous: v.anonymous,
            message: v.message,
            takenByStaffId: input.staff.staffUserId,
          })
          .returning(),
        "createPledge: insert pledge",
      );

      let payUrl: string | null = null;
      let paymentId: number | null = null;
      if (v.payMethod === "link") {
        payUrl = await issueLink(tx, pledge, { reminder: false });
      } else {
        const recorded = await recordPayment(tx, {
          supporterId,
          campaignId: campaign.id,
          subscriptionId: null,
          planId: plan?.id ?? null,
          checkoutId: null,
          kind: v.kind,
          method: v.payMethod,
          provider: "offline",
          providerPaymentId: `offline:${pledge.id}`,
          stripePaymentIntentId: null,
          amountMinor,
          feeCoverMinor: 0,
          currency: campaign.currency,
          anonymous: v.anonymous,
          // Moderated like any other message before it may appear on the wall.
          message: v.message,
          paidAt: new Date(),
          firstOfSubscription: false,
          reference: v.reference,
          recordedByStaffId: input.staff.staffUserId,
        });
        paymentId = recorded.paymentId;
        await tx
          .update(pledges)
          .set({ status: "paid", paymentId, updatedAt: new Date() })
          .where(eq(pledges.id, pledge.id));
      }
      await recordAudit(tx, {
        actor: { type: "staff", id: input.staff.staffUserId },
        action: "pledge.create",
        target: { type: "pledge", id: pledge.id },
        // How the receipt reaches them: by email, or on paper from the "receipts to post" list.
        details: {
          supporterId,
          campaignId: campaign.id,
          kind: v.kind,
          amountMinor,
          payMethod: v.payMethod,
          paymentId,
          receiptBy: supporter.email ? "email" : "post",
        },
      });
      return { ok: true as const, pledgeId: pledge.id, paymentId, payUrl };
    });
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, errors: error.errors };
    throw error;
  }
}

/** The typed fields of the pledge form, turned into createPledge's input (amounts in the campaign's currency). */
export async function pledgeInputFromForm(
  db: DB,
  form: Record<string, string>,
): Promise<{ ok: true; input: PledgeInput } | { ok: false; errors: FieldErrors }> {
  const errors: FieldErrors = {};
  const campaignId = Number(form.campaignId);
  const [campaign] = isRowId(campaignId) ? await db.select().from(campaigns).where(eq(campaigns.id, campaignId)) : [];
  if (!campaign) errors.campaignId = t("admin.error.pledge.chooseCampaign");
  let amountMinor: number | undefined;
  const tier = form.kind === "tier_monthly" || form.kind === "tier_one_time";
  if (!tier && campaign) {
    const money = parseAmount(form.amount ?? "", campaign.currency);
    if ("error" in money) errors.amount = money.error;
    else amountMinor = money.amountMinor;
  }
  const existingId = Number(form.supporterId);
  if (form.supporterId && !isRowId(existingId)) errors.supporterId = t("admin.error.pledge.supporterNoLongerExists");
  // Any address field typed means an address was meant: its missing parts get their own errors.
  const hasAddress = ["addressLine1", "addressLine2", "addressCity", "addressState", "addressPostalCode"].some((f) =>
    form[f]?.trim(),
  );
  const supporter =
    form.supporterId && isRowId(existingId)
      ? { existingId }
      : {
          email: form.email ?? "",
          name: form.name ?? "",
          phone: form.phone,
          address: hasAddress
            ? {
                line1: form.addressLine1 ?? "",
                line2: form.addressLine2,
                city: form.addressCity ?? "",
                state: form.addressState,
                postalCode: form.addressPostalCode ?? "",
                country: form.addressCountry || "AU",
              }
            : null,
        };
  const input = {
    supporter,
    campaignId,
    kind: form.kind as PledgeInput["kind"],
    planCode: form.planCode,
    amountMinor,
    notes: form.notes,
    anonymous: form.publicName !== "yes",
    message: form.message,
    payMethod: form.payMethod as PledgeInput["payMethod"],
    reference: form.reference,
  };
  const parsed = PledgeInputSchema.safeParse(input);
  const all = { ...(parsed.success ? {} : zodErrors(parsed.error)), ...errors };
  if (Object.keys(all).length) return { ok: false, errors: all };
  return { ok: true, input };
}

export type PledgeListItem = Awaited<ReturnType<typeof listPledges>>["pledges"][number];

/** A pledge's place in the list: its id (db/keyset.server.ts). */
const PLEDGE_KEYSET = keyset(["integer"]);

/** Newest first, a page at a time (`cursor`: the previous page's `next`; one that is not one is the first page). */
export async function listPledges(
  db: DB,
  { status, cursor, limit = 50 }: { status?: PledgeStatus; cursor?: string | null; limit?: number },
) {
  const where: SQL[] = [];
  if (status) where.push(eq(pledges.status, status));
  const position = PLEDGE_KEYSET.parse(cursor);
  if (position) where.push(PLEDGE_KEYSET.compare([pledges.id], "<", position));
  const rows = await db
    .select({
      id: pledges.id,
      status: pledges.status,
      kind: pledges.kind,
      amountMinor: pledges.amountMinor,
      currency: pledges.currency,
      payMethod: pledges.payMethod,
      createdAt: pledges.createdAt,
      expiresAt: pledges.expiresAt,
      paymentId: pledges.paymentId,
      receiptNumber: payments.receiptNumber,
      supporterId: supporters.id,
      supporterName: supporters.name,
      supporterEmail: supporters.email,
      supporterPhone: supporters.phone,
      takenBy: staffUsers.name,
      campaignName: campaigns.name,
    })
    .from(pledges)
    .innerJoin(supporters, eq(supporters.id, pledges.supporterId))
    .innerJoin(staffUsers, eq(staffUsers.id, pledges.takenByStaffId))
    .innerJoin(campaigns, eq(campaigns.id, pledges.campaignId))
    .leftJoin(payments, eq(payments.id, pledges.paymentId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(pledges.id))
    .limit(limit + 1);
  const page = pageOf(rows, limit, (p) => PLEDGE_KEYSET.encode([p.id]));
  return { pledges: page.rows, next: page.next };
}

export async function getPledge(db: DB, { id }: { id: number }) {
  const [row] = await db
    .select({
      pledge: pledges,
      supporter: supporters,
      takenBy: staffUsers.name,
      campaignName: campaigns.name,
      planName: plans.name,
      receiptNumber: payments.receiptNumber,
      reference: payments.reference,
      method: payments.method,
    })
    .from(pledges)
    .innerJoin(supporters, eq(supporters.id, pledges.supporterId))
    .innerJoin(staffUsers, eq(staffUsers.id, pledges.takenByStaffId))
    .innerJoin(campaigns, eq(campaigns.id, pledges.campaignId))
    .leftJoin(plans, eq(plans.id, pledges.planId))
    .leftJoin(payments, eq(payments.id, pledges.paymentId))
    .where(eq(pledges.id, id));
  return row ?? null;
}

/** Cancels a pending pledge; its link stops working at once (the page explains why). */
export async function cancelPledge(
  db: DB,
  { staff, pledgeId }: { staff: Staff; pledgeId: number },
): Promise<"cancelled" | "not_pending"> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(pledges)
      // The link's hash stays so /pay/<token> can say the pledge was cancelled; it can no longer pay.
      .set({ status: "cancelled", updatedAt: new Date() })
      .where(and(eq(pledges.id, pledgeId), eq(pledges.status, "pending")))
      .returning({ id: pledges.id });
    if (!row) return "not_pending" as const;
    await recordAudit(tx, {
      actor: { type: "staff", id: staff.staffUserId },
      action: "pledge.cancel",
      target: { type: "pledge", id: pledgeId },
    });
    return "cancelled" as const;
  });
}

/** Sends a fresh link (another 14 days); the old one dies. An expired link pledge is revived. */
export async function resendPledgeLink(
  db: DB,
  { staff, pledgeId }: { staff: Staff; pledgeId: number },
): Promise<{ status: "sent"; payUrl: string } | { status: "not_pending" }> {
  return db.transaction(async (tx) => {
    const [pledge] = await tx
      .select()
      .from(pledges)
      .where(
        and(eq(pledges.id, pledgeId), eq(pledges.payMethod, "link"), inArray(pledges.status, ["pending", "expired"])),
      )
      .for("update");
    if (!pledge) return { status: "not_pending" as const };
    await tx.update(pledges).set({ status: "pending", reminderSentAt: null }).where(eq(pledges.id, pledgeId));
    const payUrl = await issueLink(tx, pledge, { reminder: false });
    await recordAudit(tx, {
      actor: { type: "staff", id: staff.staffUserId },
      action: "pledge.resend_link",
      target: { type: "pledge", id: pledgeId },
    });
    return { status: "sent" as const, payUrl };
  });
}

export type PayablePledge = {
  id: number;
  status: PledgeStatus | "expired";
  description: string;
  amountMinor: number;
  currency: string;
  campaignName: string;
  donorName: string | null;
  expiresAt: string | null;
};

/** What /pay/<token> shows: found by the token's hash only. A pending link past its date reads as expired. */
export async function findPledgeByToken(db: DB, token: string, now = new Date()) {
  if (!token || token.length > 100) return null;
  const [row] = await db
    .select({ pledge: pledges, campaign: campaigns, plan: plans, supporter: supporters })
    .from(pledges)
    .innerJoin(campaigns, eq(campaigns.id, pledges.campaignId))
    .innerJoin(supporters, eq(supporters.id, pledges.supporterId))
    .leftJoin(plans, eq(plans.id, pledges.planId))
    .where(eq(pledges.linkTokenHash, hashToken(token)));
  if (!row) return null;
  const expired =
    row.pledge.status === "expired" ||
    (row.pledge.status === "pending" && (!row.pledge.expiresAt || row.pledge.expiresAt <= now));
  const view: PayablePledge = {
    id: row.pledge.id,
    status: expired ? "expired" : row.pledge.status,
    description: describeGift(row.pledge.kind, row.campaign.name, row.plan?.name ?? null).description,
    amountMinor: row.pledge.amountMinor,
    currency: row.pledge.currency,
    campaignName: row.campaign.name,
    donorName: row.supporter.name || null,
    expiresAt: row.pledge.expiresAt?.toISOString() ?? null,
  };
  return { view, ...row };
}

export type PledgeCheckoutStart =
  { status: "started"; url: string } | { status: "unavailable"; view: PayablePledge | null };

/**
 * Starts a new checkout for the pledge behind a /pay token each time the page is used, so the
 * link outlives any one provider session. Only a pending, unexpired pledge can be paid.
 */
export async function startPledgeCheckout(db: DB, { token }: { token: string }): Promise<PledgeCheckoutStart> {
  const found = await findPledgeByToken(db, token);
  if (!found || found.view.status !== "pending") return { status: "unavailable", view: found?.view ?? null };
  const { pledge, campaign, plan, supporter } = found;
  // Checkout needs an email address (a link pledge always had one; staff may have removed it since).
  if (!supporter.email) return { status: "unavailable", view: found.view };
  const session = await startCheckout(db, {
    campaign,
    plan: plan ?? null,
    kind: pledge.kind,
    currency: pledge.currency,
    amountMinor: pledge.amountMinor,
    feeCoverMinor: 0,
    email: supporter.email,
    name: supporter.name || null,
    anonymous: pledge.anonymous,
    message: pledge.message,
    description: found.view.description,
    returnPath: `/pay/${token}`,
    pledgeId: pledge.id,
  });
  return { status: "started", url: session.url };
}
