import { and, count, desc, eq, gte, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { exactTime, keyset, pageOf } from "@db/keyset.server";
import { campaigns, checkouts, payments, staffUsers, supporters, type MessageStatus } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import type { StaffSession } from "~/auth/staff-auth.server";
import { lazyMessage, t } from "~/i18n/t";

/**
 * Messages of support: what readers wrote with their gift. Staff read each one before it may
 * appear anywhere public (the wall of solidarity): approve or hide, and change their mind later.
 * The writer's choice not to be named publicly is shown beside it; staff still see who wrote it.
 */

export const MESSAGE_LIST_SIZE = 50;

/**
 * Where a page of messages ends, newest first: the paid time to the microsecond and the payment
 * id (db/keyset.server.ts). The one cursor of every list of messages (staff and the public wall);
 * a cursor that is not one is the first page.
 */
const MESSAGE_KEYSET = keyset(["time", "integer"]);

function olderThan(cursor: string | null | undefined): SQL | undefined {
  const before = MESSAGE_KEYSET.parse(cursor);
  return before ? MESSAGE_KEYSET.compare([payments.paidAt, payments.id], "<", before) : undefined;
}

/** The cursor of a message row (`cursorAt` is `exactTime(payments.paidAt)`). */
const messageCursor = (row: { cursorAt: string; paymentId: number }) =>
  MESSAGE_KEYSET.encode([row.cursorAt, row.paymentId]);

/** What the wall shows of a writer: the first word of the name they gave, and a town. */
export type WallName = { anonymous: boolean; name: string | null; town: string | null };

/** "Ana", "Ana, Hobart", "A supporter in Hobart" or "Anonymous": the one place the name form is decided. */
export function wallSignature({ anonymous, name, town }: WallName): string {
  if (anonymous) return t("wall.anonymous");
  if (name && town) return t("wall.nameTown", { name, town });
  if (name) return name;
  return town ? t("wall.someoneTown", { town }) : t("wall.someone");
}

/** Only the first word of a name: never a surname. */
export function firstName(name: string | null | undefined): string | null {
  const first = (name ?? "").trim().split(/\s+/)[0] ?? "";
  return first ? first.slice(0, 40) : null;
}

function townOf(city: string | null | undefined): string | null {
  const town = (city ?? "").trim().replace(/\s+/g, " ");
  return town ? town.slice(0, 60) : null;
}

/**
 * The columns that decide a message's wall name, for the snapshot taken on approval and for what
 * staff see before they approve. The name is the one typed with this gift (else the supporter's);
 * the town comes from an address this gift gave or, when the checkout was the supporter's own (or
 * staff took the gift, or the record's details came from it, or the names match), from the
 * supporter's address: never the town of someone else who shares an email.
 */
const wallSource = {
  paymentAnonymous: payments.anonymous,
  supporterAnonymous: supporters.anonymous,
  supporterId: supporters.id,
  supporterName: supporters.name,
  supporterCity: supporters.addressCity,
  supporterDetailsFrom: supporters.detailsFromCheckoutId,
  deliveryAddress: payments.deliveryAddress,
  checkoutId: payments.checkoutId,
  checkoutName: checkouts.name,
  checkoutSupporterId: checkouts.supporterId,
  checkoutShowAmount: checkouts.showAmount,
};
type WallSource = {
  paymentAnonymous: boolean;
  supporterAnonymous: boolean;
  supporterId: number;
  supporterName: string;
  supporterCity: string | null;
  supporterDetailsFrom: string | null;
  deliveryAddress: { city?: string | null } | null;
  checkoutId: string | null;
  checkoutName: string | null;
  checkoutSupporterId: number | null;
  checkoutShowAmount: boolean | null;
};

function wallNameFrom(row: WallSource): WallName & { showsAmount: boolean } {
  const sameName = (row.checkoutName ?? "").trim().toLowerCase() === row.supporterName.trim().toLowerCase();
  const ownRecord =
    row.checkoutId === null ||
    row.checkoutSupporterId === row.supporterId ||
    row.supporterDetailsFrom === row.checkoutId ||
    sameName;
  return {
    anonymous: row.paymentAnonymous || row.supporterAnonymous,
    name: firstName(row.checkoutName || (ownRecord ? row.supporterName : null)),
    town: townOf(row.deliveryAddress?.city) ?? (ownRecord ? townOf(row.supporterCity) : null),
    showsAmount: row.checkoutShowAmount ?? false,
  };
}

export type MessageForStaff = {
  paymentId: number;
  message: string;
  status: MessageStatus;
  paidAt: Date;
  amountMinor: number;
  currency: string;
  /** Ticked "don't show my name publicly" with this gift. */
  anonymous: boolean;
  supporter: { id: number; name: string; erased: boolean };
  campaignName: string;
  moderatedAt: Date | null;
  moderatedBy: string | null;
  /** How the wall names the writer ("Ana, Hobart", "Anonymous"): as approved, or as it would be. */
  shownAs: string;
  /** The writer let the amount be shown on the wall. */
  showsAmount: boolean;
};

/** Newest first; `before`: the cursor of the previous page's last row (`next`), as the page was given it. */
export async function listMessagesForStaff(
  db: DB,
  { status, before, limit = MESSAGE_LIST_SIZE }: { status: MessageStatus; before?: string | null; limit?: number },
): Promise<{ messages: MessageForStaff[]; next: string | null }> {
  const moderator = staffUsers;
  const rows = await db
    .select({
      paymentId: payments.id,
      message: payments.message,
      status: payments.messageStatus,
      paidAt: payments.paidAt,
      cursorAt: exactTime(payments.paidAt),
      amountMinor: payments.amountMinor,
      currency: payments.currency,
      anonymous: payments.anonymous,
      erasedAt: supporters.erasedAt,
      campaignName: campaigns.name,
      moderatedAt: payments.messageModeratedAt,
      moderatedBy: moderator.name,
      wallName: payments.wallName,
      wallTown: payments.wallTown,
      wallShowsAmount: payments.wallShowsAmount,
      ...wallSource,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .leftJoin(moderator, eq(moderator.id, payments.messageModeratedByStaffId))
    .where(and(isNotNull(payments.message), eq(payments.messageStatus, status), olderThan(before)))
    .orderBy(desc(payments.paidAt), desc(payments.id))
    .limit(limit + 1);
  const page = pageOf(rows, limit, messageCursor);
  const messages = page.rows.map((r) => ({
    paymentId: r.paymentId,
    message: r.message ?? "",
    status: r.status,
    paidAt: r.paidAt,
    amountMinor: r.amountMinor,
    currency: r.currency,
    anonymous: r.anonymous,
    supporter: { id: r.supporterId, name: r.supporterName, erased: r.erasedAt !== null },
    campaignName: r.campaignName,
    moderatedAt: r.moderatedAt,
    moderatedBy: r.moderatedBy,
    ...shownOnWall(r),
  }));
  return { messages, next: page.next };
}

/** An approved message as the wall shows it (its snapshot); any other as approval would show it. */
function shownOnWall(
  r: WallSource & { status: MessageStatus; wallName: string | null; wallTown: string | null; wallShowsAmount: boolean },
) {
  const anonymous = r.paymentAnonymous || r.supporterAnonymous;
  const wall =
    r.status === "approved"
      ? { anonymous, name: r.wallName, town: r.wallTown, showsAmount: r.wallShowsAmount }
      : wallNameFrom(r);
  return { shownAs: wallSignature(wall), showsAmount: wall.showsAmount };
}

/** How many messages wait to be read: the admin navigation shows it. */
export async function countMessagesToReview(db: DB): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(and(isNotNull(payments.message), eq(payments.messageStatus, "pending"), isNull(supporters.erasedAt)));
  return row?.n ?? 0;
}

export const ModerateMessageSchema = z.object({
  intent: z.enum(["approve", "hide"], lazyMessage("admin.error.message.chooseApproveHide")),
  paymentId: z.coerce
    .number(lazyMessage("admin.error.message.messageWasNotFound"))
    .int()
    .positive(lazyMessage("admin.error.message.messageWasNotFound")),
});
export type ModerateMessageInput = z.infer<typeof ModerateMessageSchema>;

export type ModerateOutcome = { status: "done"; now: MessageStatus; was: MessageStatus } | { status: "not_found" };

/** Approve or hide one message; audited (which message and what, never its words). */
export async function moderateMessage(
  db: DB,
  { staff, paymentId, intent }: ModerateMessageInput & { staff: Pick<StaffSession, "staffUserId"> },
): Promise<ModerateOutcome> {
  const now: MessageStatus = intent === "approve" ? "approved" : "hidden";
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ status: payments.messageStatus, ...wallSource })
      .from(payments)
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
      .where(and(eq(payments.id, paymentId), isNotNull(payments.message), isNull(supporters.erasedAt)))
      .for("update", { of: [payments] });
    if (!current) return { status: "not_found" } as const;
    if (current.status !== now) {
      // Approval takes the wall's name form now: the wall never reads the supporter's record (ADR 043).
      const wall = now === "approved" ? wallNameFrom(current) : null;
      await tx
        .update(payments)
        .set({
          messageStatus: now,
          messageModeratedAt: sql`now()`,
          messageModeratedByStaffId: staff.staffUserId,
          ...(wall ? { wallName: wall.name, wallTown: wall.town, wallShowsAmount: wall.showsAmount } : {}),
        })
        .where(eq(payments.id, paymentId));
      await recordAudit(tx, {
        actor: { type: "staff", id: staff.staffUserId },
        action: intent === "approve" ? "message.approve" : "message.hide",
        target: { type: "payment", id: paymentId },
        details: { was: current.status },
      });
    }
    return { status: "done", now, was: current.status } as const;
  });
}

export const WALL_PAGE_SIZE = 12;

export type WallMessage = {
  paymentId: number;
  message: string;
  signature: string;
  paidAt: Date;
  /** Only when the writer allowed it. */
  amount: { minor: number; currency: string } | null;
};

/** What the wall (and the printed bundle) reads of a payment: the snapshot taken on approval. */
const WALL_COLUMNS = {
  paymentId: payments.id,
  message: payments.message,
  paidAt: payments.paidAt,
  cursorAt: exactTime(payments.paidAt),
  amountMinor: payments.amountMinor,
  currency: payments.currency,
  wallName: payments.wallName,
  wallTown: payments.wallTown,
  wallShowsAmount: payments.wallShowsAmount,
  anonymous: sql<boolean>`${payments.anonymous} or ${supporters.anonymous}`,
};

/** What may be shown in public: approved messages of writers not erased. */
const ON_THE_WALL = and(
  isNotNull(payments.message),
  eq(payments.messageStatus, "approved"),
  isNull(supporters.erasedAt),
);

/** Signed as the writer chose; an amount only when they allowed it, never beside "Anonymous". */
function toWallMessage(r: {
  paymentId: number;
  message: string | null;
  paidAt: Date;
  amountMinor: number;
  currency: string;
  wallName: string | null;
  wallTown: string | null;
  wallShowsAmount: boolean;
  anonymous: boolean;
}): WallMessage {
  return {
    paymentId: r.paymentId,
    message: r.message ?? "",
    signature: wallSignature({ anonymous: r.anonymous, name: r.wallName, town: r.wallTown }),
    paidAt: r.paidAt,
    amount: r.wallShowsAmount && !r.anonymous ? { minor: r.amountMinor, currency: r.currency } : null,
  };
}

/**
 * The wall of solidarity of one campaign: approved messages of writers not erased, newest first,
 * a page at a time. Names come from the snapshot taken on approval; a writer who has since asked
 * not to be named (their profile) is "Anonymous" from then on.
 */
export async function listWall(
  db: DB,
  { campaignId, before, limit = WALL_PAGE_SIZE }: { campaignId: number; before?: string | null; limit?: number },
): Promise<{ messages: WallMessage[]; next: string | null; paged: boolean }> {
  const rows = await db
    .select(WALL_COLUMNS)
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(and(eq(payments.campaignId, campaignId), ON_THE_WALL, olderThan(before)))
    .orderBy(desc(payments.paidAt), desc(payments.id))
    .limit(limit + 1);
  const page = pageOf(rows, limit, messageCursor);
  const messages = page.rows.map(toWallMessage);
  // `paged`: a page further back than the first (a cursor that is not one is the first page).
  return { messages, next: page.next, paged: MESSAGE_KEYSET.parse(before) !== undefined };
}

/** The most messages one printable bundle holds: narrow the dates for more. */
export const PRINT_BUNDLE_LIMIT = 500;

export const PrintBundleQuerySchema = z.object({
  campaign: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
});
export type PrintBundleQuery = z.infer<typeof PrintBundleQuerySchema>;

/**
 * Approved messages to print and send on (to a prisoner through the prison mail service, say),
 * oldest first as letters are read, each signed as the wall signs it: never a surname or an
 * email, an amount only when its writer allowed it. `from`/`to` are whole days in `timeZone`.
 */
export async function listMessagesForPrint(
  db: DB,
  { campaignId, from, to, timeZone }: { campaignId?: number; from?: string; to?: string; timeZone: string },
): Promise<{ messages: (WallMessage & { campaignName: string })[]; truncated: boolean }> {
  const dayStart = (day: string) => sql`(${day}::date)::timestamp at time zone ${timeZone}`;
  const rows = await db
    .select({ ...WALL_COLUMNS, campaignName: campaigns.name })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .where(
      and(
        ON_THE_WALL,
        campaignId ? eq(payments.campaignId, campaignId) : undefined,
        from ? gte(payments.paidAt, dayStart(from)) : undefined,
        to ? lt(payments.paidAt, sql`${dayStart(to)} + interval '1 day'`) : undefined,
      ),
    )
    .orderBy(payments.paidAt, payments.id)
    .limit(PRINT_BUNDLE_LIMIT + 1);
  return {
    messages: rows.slice(0, PRINT_BUNDLE_LIMIT).map((r) => ({ ...toWallMessage(r), campaignName: r.campaignName })),
    truncated: rows.length > PRINT_BUNDLE_LIMIT,
  };
}
