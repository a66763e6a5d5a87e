import type { DomainError } from "~/domain-result";
import { assertNever } from "~/never";

/** The HTTP status for a domain refusal (ADR 048): the one place the two vocabularies meet. */
export function statusFor(error: DomainError): 400 | 403 | 404 | 409 | 503 {
  switch (error) {
    case "invalid":
      return 400;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "unavailable":
      return 503;
    default:
      return assertNever(error, "domain error");
  }
}
