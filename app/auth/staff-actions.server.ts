import type { FieldErrors } from "~/giving/forms.server";
import type { StaffSession } from "./staff-auth.server";

/** What the admin's domain modules share: who acts, as the audit log names them, and how a refusal is told. */
export type Staff = Pick<StaffSession, "staffUserId" | "role">;
export const staffActor = (staff: Staff) => ({ type: "staff" as const, id: staff.staffUserId });

export type StaffFailure = { ok: false; status: 400 | 403 | 404 | 409 | 503; formError: string; errors: FieldErrors };
export const failure = (status: StaffFailure["status"], formError: string, errors: FieldErrors = {}): StaffFailure => ({
  ok: false,
  status,
  formError,
  errors,
});
