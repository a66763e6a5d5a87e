import type { DomainError } from "~/domain-result";
import type { FieldErrors } from "~/giving/forms.server";
import type { StaffSession } from "./staff-auth.server";

/** What the admin's domain modules share: who acts, as the audit log names them, and how a refusal is told. */
export type Staff = Pick<StaffSession, "staffUserId" | "role">;
export const staffActor = (staff: Staff) => ({ type: "staff" as const, id: staff.staffUserId });

/** A staff action refused (ADR 048): a domain error code, a message for the page and per-field messages. */
export type StaffFailure = {
  ok: false;
  error: DomainError;
  formError: string;
  errors: FieldErrors;
};
export const failure = (error: DomainError, formError: string, errors: FieldErrors = {}): StaffFailure => ({
  ok: false,
  error,
  formError,
  errors,
});
