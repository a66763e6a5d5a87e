import { and, desc, inArray } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { keyset, pageOf } from "@db/keyset.server";
import { auditLog, staffUsers } from "@db/schema";

/** An audit entry's place in the log: its id (db/keyset.server.ts). */
const AUDIT_KEYSET = keyset(["integer"]);

/**
 * Newest first, a page at a time by id (`before`: the previous page's `next`; a cursor that is
 * not one is the first page), with the people named: the member of staff who acted (name and
 * email), and the staff account acted on. Supporters acting are named by role only.
 */
export async function listAuditEntries(db: DB, { before, limit = 50 }: { before?: string | null; limit?: number }) {
  const position = AUDIT_KEYSET.parse(before);
  const page = pageOf(
    await db
      .select()
      .from(auditLog)
      .where(position ? AUDIT_KEYSET.compare([auditLog.id], "<", position) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(limit + 1),
    limit,
    (e) => AUDIT_KEYSET.encode([e.id]),
  );
  const entries = page.rows;
  const staffIds = new Set<number>();
  for (const e of entries) {
    if (e.actorType === "staff" && e.actorId) staffIds.add(e.actorId);
    if ((e.targetType === "staff_user" || e.targetType === "staff") && e.targetId && /^\d+$/.test(e.targetId))
      staffIds.add(Number(e.targetId));
  }
  const people = staffIds.size
    ? await db
        .select({ id: staffUsers.id, name: staffUsers.name, email: staffUsers.email })
        .from(staffUsers)
        .where(and(inArray(staffUsers.id, [...staffIds])))
    : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  const named = entries.map((e) => ({
    ...e,
    actorStaff: e.actorType === "staff" && e.actorId ? (byId.get(e.actorId) ?? null) : null,
    targetStaff:
      (e.targetType === "staff_user" || e.targetType === "staff") && e.targetId
        ? (byId.get(Number(e.targetId)) ?? null)
        : null,
  }));
  return { entries: named, next: page.next };
}
