/**
 * How a domain function says no (ADR 048): it returns `{ ok: false, error, … }` with one of these
 * codes, never an HTTP status or a URL. The route (or app/http) turns the code into a response
 * with `statusFor` (app/http/status.ts). Add a code here only for a refusal the caller must treat
 * differently from the others.
 */
export type DomainError =
  /** The input breaks a rule: the form is shown again with its messages. */
  | "invalid"
  /** The person may not do this. */
  | "forbidden"
  /** Nothing of theirs by that id (or it was erased). */
  | "not_found"
  /** The thing is not in a state that allows this now (already done, ended, busy). */
  | "conflict"
  /** An outside service (the payment provider) could not be asked just now; nothing changed. */
  | "unavailable";
