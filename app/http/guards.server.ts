import { redirect } from "@remix-run/node";
import type { DB } from "@db/client.server";
import { getStaffSession, type StaffSession } from "~/auth/staff-auth.server";
import { getSupporterSession, type SupporterSession } from "~/auth/supporter-auth.server";

/**
 * Session guards: a loader's or action's first line. They throw the Remix answer (a redirect to
 * sign-in, a 403) because a page that needs a session has nothing else to do without one; that is
 * an HTTP decision, so it lives here, not in app/auth (ADR 048).
 */

/** The signed-in staff member. No session: to the sign-in page. A staff member asking for an admin-only page: 403. */
export async function requireStaff(db: DB, request: Request, { role }: { role?: "admin" } = {}): Promise<StaffSession> {
  const session = await getStaffSession(db, request);
  if (!session) throw redirect(`/admin/sign-in?next=${encodeURIComponent(new URL(request.url).pathname)}`, 303);
  if (role === "admin" && session.role !== "admin")
    throw new Response("Only an administrator can do this.", { status: 403 });
  return session;
}

/** The signed-in supporter, or off to the sign-in page. */
export async function requireSupporter(db: DB, request: Request): Promise<SupporterSession> {
  const session = await getSupporterSession(db, request);
  if (!session) throw redirect("/account/sign-in", 303);
  return session;
}
