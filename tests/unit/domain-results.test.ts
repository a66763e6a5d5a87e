import { describe, expect, it } from "vitest";
import type { DomainError } from "~/domain-result";
import { statusFor } from "~/http/status";

const ERRORS: DomainError[] = ["invalid", "forbidden", "not_found", "conflict", "unavailable"];

describe("domain refusals become HTTP statuses in one place (ADR 048)", () => {
  it("maps each domain error to the status the routes answered before", () => {
    expect(Object.fromEntries(ERRORS.map((e) => [e, statusFor(e)]))).toEqual({
      invalid: 400,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      unavailable: 503,
    });
  });
});
