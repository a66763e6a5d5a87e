import type { DB } from "@db/client.server";
import { auditLog } from "@db/schema";

export type AuditEntry = {
  actor: { type: "staff" | "supporter" | "system"; id: number | null };
  /** Verb-like, dotted: "subscription.cancel", "supporter.erase", "export.print_list". */
  action: string;
  target: { type: string; id: string | number | null };
  /** Ids and amounts only: never names, emails, addresses or phone numbers. */
  details?: Record<string, unknown>;
};

/** Writes an audit entry in the caller's transaction, so the record and the change commit together. */
export async function recordAudit(tx: DB, entry: AuditEntry) {
  await tx.insert(auditLog).values({
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id === null ? null : String(entry.target.id),
    details: entry.details ?? {},
  });
}
