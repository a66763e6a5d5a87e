import { and, desc, inArray, lt } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { auditLog, staffUsers } from "@db/schema";

/**
 * Newest first, keyset-paginated by id, with the people named: the member of staff who acted
 * (name and email), and the staff account acted on. Supporters acting are named by role only.
 */
export async function listAuditEntries(db: DB, { before, limit = 50 }: { before?: number; limit?: number }) {
  const entries = await db
    .select()
    .from(auditLog)
    .where(before ? lt(auditLog.id, before) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit);
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
  return entries.map((e) => ({
    ...e,
    actorStaff: e.actorType === "staff" && e.actorId ? (byId.get(e.actorId) ?? null) : null,
    targetStaff:
      (e.targetType === "staff_user" || e.targetType === "staff") && e.targetId
        ? (byId.get(Number(e.targetId)) ?? null)
        : null,
  }));
}
