import { describe, expect, it } from "vitest";
import { estimateCardFee, formatMoney, parseMoney } from "~/money";

describe("parseMoney", () => {
  it.each([
    ["25", 2500],
    ["25.5", 2550],
    ["25.50", 2550],
    ["$25", 2500],
    [" 1,000 ", 100000],
    ["AUD 12.34", 1234],
    ["0.01", 1],
  ])("reads %j as %i minor units", (input, expected) => {
    expect(parseMoney(input, "AUD")).toEqual({ ok: true, amountMinor: expected });
  });

  it.each([
    ["", "empty"],
    ["abc", "not_a_number"],
    ["12.345", "too_many_decimals"],
    ["-5", "not_positive"],
    ["0", "not_positive"],
    ["0.00", "not_positive"],
    ["1e5", "not_a_number"],
    ["12.3.4", "not_a_number"],
    ["9999999999999", "too_large"],
  ])("rejects %j (%s) rather than guessing", (input, error) => {
    expect(parseMoney(input, "AUD")).toEqual({ ok: false, error });
  });

  it("never goes through floating point: 0.29 is 29, not 28.999…", () => {
    expect(parseMoney("0.29", "AUD")).toEqual({ ok: true, amountMinor: 29 });
    expect(parseMoney("1.15", "AUD")).toEqual({ ok: true, amountMinor: 115 });
  });
});

describe("formatMoney", () => {
  it("drops cents on whole amounts and keeps them otherwise", () => {
    expect(formatMoney(2500, "AUD")).toBe("$25");
    expect(formatMoney(2550, "AUD")).toBe("$25.50");
    expect(formatMoney(25_000_000, "AUD")).toBe("$250,000");
    expect(formatMoney(1000, "GBP")).toBe("£10");
  });
});

describe("estimateCardFee", () => {
  it("rounds the percentage up and adds the fixed part", () => {
    expect(estimateCardFee(2500, { percentBps: 175, fixedMinor: 30 })).toBe(74);
    expect(estimateCardFee(10000, { percentBps: 175, fixedMinor: 30 })).toBe(205);
  });
});
