// The shared field rules (app/validation/fields.ts): one set of limits and messages for every form.
import { describe, expect, it } from "vitest";
import {
  amount,
  email,
  LIMITS,
  name,
  optionalEmail,
  optionalPhone,
  parseAmount,
  postalAddress,
} from "~/validation/fields";

const firstMessage = (result: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }) =>
  result.error?.issues[0]?.message;
const messages = (result: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }) =>
  Object.fromEntries((result.error?.issues ?? []).map((i) => [String(i.path[0]), i.message]));

describe("the shared limits", () => {
  it("are pinned", () => {
    expect(LIMITS).toEqual({
      name: 200,
      email: 254,
      phone: 40,
      address: { line1: 200, line2: 200, city: 100, state: 100, postalCode: 20 },
    });
  });
});

describe("names", () => {
  it("take up to 200 characters, said to a supporter or to staff", () => {
    expect(name({ audience: "supporter" }).parse("  Ada Lovelace ")).toBe("Ada Lovelace");
    expect(name({ audience: "supporter" }).parse("")).toBe("");
    expect(name({ audience: "supporter" }).safeParse("a".repeat(200)).success).toBe(true);
    expect(firstMessage(name({ audience: "supporter" }).safeParse("a".repeat(201)))).toBe(
      "Keep your name under 200 characters.",
    );
    expect(firstMessage(name({ audience: "staff" }).safeParse("a".repeat(201)))).toBe(
      "Keep the name under 200 characters.",
    );
    expect(firstMessage(name({ audience: "staff", required: "Enter a name." }).safeParse("  "))).toBe("Enter a name.");
    expect(firstMessage(name({ audience: "staff" }).safeParse("Ada\u0000"))).toMatch(/invisible control characters/);
  });
});

describe("email addresses", () => {
  it("are trimmed and checked, with one message; an optional one may be empty", () => {
    expect(email.parse(" ada@example.org ")).toBe("ada@example.org");
    expect(firstMessage(email.safeParse("not an email"))).toBe("Enter an email address like name@example.com.");
    expect(firstMessage(email.safeParse(`${"a".repeat(250)}@example.org`))).toBe(
      "Enter an email address like name@example.com.",
    );
    expect(optionalEmail.parse("")).toBeNull();
    expect(optionalEmail.parse(undefined)).toBeNull();
    expect(firstMessage(optionalEmail.safeParse("nope"))).toBe("Enter an email address like name@example.com.");
  });
});

describe("phone numbers", () => {
  it("take digits, spaces and + ( ) - . up to 40 characters; empty is none", () => {
    expect(optionalPhone.parse(" +61 (3) 9000-0000 ")).toBe("+61 (3) 9000-0000");
    expect(optionalPhone.parse("")).toBeNull();
    expect(firstMessage(optionalPhone.safeParse("1800 FUND"))).toBe("Use digits, spaces and + ( ) - only.");
    expect(firstMessage(optionalPhone.safeParse("1".repeat(41)))).toBe("Keep the phone number under 40 characters.");
  });
});

describe("postal addresses", () => {
  const full = { line1: "1 Main St", city: "Fitzroy", postalCode: "3065", country: "au" };

  it("read the same fields with the same limits for supporters and staff", () => {
    for (const audience of ["supporter", "staff"] as const) {
      expect(postalAddress({ audience }).parse(full)).toEqual({
        line1: "1 Main St",
        line2: null,
        city: "Fitzroy",
        state: null,
        postalCode: "3065",
        country: "AU",
      });
      const tooLong = messages(
        postalAddress({ audience }).safeParse({ ...full, city: "c".repeat(101), postalCode: "1".repeat(21) }),
      );
      expect(tooLong).toEqual({
        city: "Keep this under 100 characters.",
        postalCode: "Keep this under 20 characters.",
      });
    }
  });

  it("say what is missing in the reader's words", () => {
    expect(messages(postalAddress({ audience: "supporter" }).safeParse({ country: "AU" }))).toEqual({
      line1: "Enter your street address.",
      city: "Enter your town or city.",
      postalCode: "Enter your postcode.",
    });
    expect(messages(postalAddress({ audience: "staff" }).safeParse({ country: "AU" }))).toEqual({
      line1: "Enter their street address.",
      city: "Enter their suburb or town.",
      postalCode: "Enter their postcode.",
    });
    expect(messages(postalAddress({ audience: "supporter" }).safeParse({ ...full, country: "Australia" }))).toEqual({
      country: "Enter a two-letter country code such as AU.",
    });
    const { country: _, ...withoutCountry } = full;
    expect(postalAddress({ audience: "staff", defaultCountry: "AU" }).parse(withoutCountry).country).toBe("AU");
  });
});

describe("amounts of money", () => {
  it("are minor units from what people type, with one message for each mistake", () => {
    expect(parseAmount("$1,000.50", "AUD")).toEqual({ amountMinor: 100_050 });
    expect(parseAmount("", "AUD")).toEqual({ error: "Enter an amount." });
    expect(parseAmount("abc", "AUD")).toEqual({ error: "Enter an amount in numbers, like 25 or 25.50." });
    expect(parseAmount("10.005", "AUD")).toEqual({ error: "Use at most two decimal places." });
    expect(parseAmount("10.5", "JPY")).toEqual({ error: "Use whole amounts." });
    expect(parseAmount("0", "AUD")).toEqual({ error: "The amount must be more than zero." });
    expect(parseAmount("0", "AUD", { allowZero: true })).toEqual({ amountMinor: 0 });
    expect(parseAmount("1".repeat(13), "AUD")).toEqual({ error: "That amount is too large." });
  });

  it("are held to a campaign's bounds when it has them", () => {
    const bounds = { min: 500, max: 1_000_000, locale: "en-AU" };
    expect(parseAmount("4", "AUD", bounds)).toEqual({ error: "The smallest gift we can take is $5." });
    expect(parseAmount("10001", "AUD", bounds)).toEqual({ error: "The most we can take online is $10,000." });
    expect(parseAmount("1".repeat(13), "AUD", bounds)).toEqual({ error: "The most we can take online is $10,000." });
    expect(amount("AUD", bounds).parse("25")).toBe(2500);
    expect(firstMessage(amount("AUD", bounds).safeParse("4"))).toBe("The smallest gift we can take is $5.");
  });
});
