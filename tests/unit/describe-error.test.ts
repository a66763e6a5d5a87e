import { describe, expect, it } from "vitest";
import { describeError } from "~/log.server";

describe("describeError", () => {
  it("tells a failed query by its code and constraint, never its parameters", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "supporters_email_unique"'), {
      code: "23505",
      table_name: "supporters",
      constraint_name: "supporters_email_unique",
    });
    const error = new Error(
      "Failed query: insert into supporters (email, name) values ($1, $2)\nparams: ana@example.org,Ana Lima",
      { cause },
    );
    const text = describeError(error);
    expect(text).toBe("Database error 23505 on supporters (constraint supporters_email_unique)");
    expect(text).not.toMatch(/ana|lima/i);
  });

  it("removes email addresses from any other message and keeps it short", () => {
    const text = describeError(new TypeError(`cannot reach ana.lima@example.org ${"x".repeat(500)}`));
    expect(text.startsWith("TypeError: cannot reach [email]")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
  });

  it("describes a Stripe error by type and status", () => {
    const error = Object.assign(new Error("No such customer"), { type: "StripeInvalidRequestError", statusCode: 404 });
    expect(describeError(error)).toBe("Stripe StripeInvalidRequestError (HTTP 404): No such customer");
  });
});
