import { describe, expect, it } from "vitest";
import { regionCurrency } from "~/campaigns/region-currency";
import { estimateCardFee, formatMoney, formatMoneyNamed, parseAmount, parseMoney } from "~/money";

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

describe("parseAmount: amounts typed the local way (ADR 049)", () => {
  const NBSP = "\u00a0";
  const NNBSP = "\u202f";
  it.each([
    ["1 000,50", "ru", "EUR", 100050],
    [`1${NBSP}000,50`, "ru", "EUR", 100050],
    [`1${NNBSP}000,50 €`, "ru", "EUR", 100050],
    ["1.000,50 €", "ru", "EUR", 100050],
    ["1.000,50 €", "en", "EUR", 100050],
    ["1,000.50", "en", "EUR", 100050],
    ["1,000.50", "ru", "EUR", 100050],
    ["€1,000.50", "en", "EUR", 100050],
    ["1,000", "en", "EUR", 100000],
    ["1.000", "ru", "EUR", 100000],
    ["25,50", "en", "EUR", 2550],
    ["25,5", "ru", "EUR", 2550],
    ["25.5", "ru", "EUR", 2550],
    ["500 ₽", "ru", "RUB", 50000],
    ["500 руб.", "ru", "RUB", 50000],
    ["1 500 RUB", "en", "RUB", 150000],
    ["$25", "en", "AUD", 2500],
    ["AUD 12.34", "en", "AUD", 1234],
    ["12 345 678", "ru", "EUR", 1234567800],
    ["1,000", "en", "JPY", 1000],
    ["0,01", "ru", "EUR", 1],
    ["0.29", "en", "AUD", 29],
  ])("reads %j (%s, %s) as %i minor units", (input, locale, currency, expected) => {
    expect(parseAmount(input, locale, currency)).toEqual({ ok: true, amountMinor: expected });
  });

  it.each([
    ["", "ru", "EUR", "empty"],
    ["   ", "ru", "EUR", "empty"],
    ["500 ₽", "ru", "EUR", "wrong_currency"],
    ["$25", "ru", "EUR", "wrong_currency"],
    ["25 USD", "en", "EUR", "wrong_currency"],
    ["£10", "en", "AUD", "wrong_currency"],
    ["500 руб.", "en", "EUR", "wrong_currency"],
    ["abc", "en", "EUR", "not_a_number"],
    ["1e5", "en", "EUR", "not_a_number"],
    ["12.3.4,5,6", "en", "EUR", "not_a_number"],
    ["1,00,000", "en", "EUR", "not_a_number"],
    ["1.000,5.0", "ru", "EUR", "not_a_number"],
    ["12,345", "ru", "EUR", "too_many_decimals"],
    ["10.005", "en", "EUR", "too_many_decimals"],
    ["-5", "ru", "EUR", "not_positive"],
    ["0,00", "ru", "EUR", "not_positive"],
    ["9 999 999 999 999", "ru", "EUR", "too_large"],
  ])("rejects %j (%s, %s): %s", (input, locale, currency, error) => {
    expect(parseAmount(input, locale, currency)).toEqual({ ok: false, error });
  });
});

describe("formatMoney in the language in use (ADR 049)", () => {
  it("writes euros and roubles the Russian way", () => {
    expect(formatMoney(100050, "EUR", "ru")).toBe("1\u00a0000,50\u00a0€");
    expect(formatMoney(50000, "RUB", "ru")).toBe("500\u00a0₽");
    expect(formatMoney(2500, "EUR", "en-AU")).toBe("€25");
  });

  it("tells dollars apart in Russian, where a bare $ means US dollars", () => {
    expect(formatMoney(500, "USD", "ru")).toBe("5\u00a0$");
    expect(formatMoney(500, "AUD", "ru")).toBe("5\u00a0A$");
    expect(formatMoney(550, "NZD", "ru")).toBe("5,50\u00a0NZ$");
    expect(formatMoney(500, "AUD", "en-AU")).toBe("$5");
  });
});

describe("the currency of the reader's country (ADR 050)", () => {
  it.each([
    ["en-GB,en;q=0.9", "GBP"],
    ["ru-RU,ru;q=0.9,en-US;q=0.8", null],
    ["de-AT", "EUR"],
    ["bg-BG", "EUR"],
    ["en;q=0.9,fr-CA;q=0.8", "CAD"],
    ["fr-CH", null],
    ["en", null],
    ["ru", null],
    ["", null],
    ["en-US;q=0, en-NZ", "NZD"],
    ["not a tag!!, en-AU", "AUD"],
  ])("%j → %s", (acceptLanguage, currency) => {
    expect(regionCurrency(acceptLanguage)).toBe(currency);
  });
});

describe("an amount that names its currency (formatMoneyNamed)", () => {
  it("adds the code in English, where $ could be any dollar, and not in Russian, whose symbols say it", () => {
    expect(formatMoneyNamed(2500, "AUD", "en-AU")).toBe("$25 AUD");
    expect(formatMoneyNamed(2500, "EUR", "en-AU")).toBe("€25 EUR");
    expect(formatMoneyNamed(2500, "EUR", "ru")).toBe("25\u00a0€");
    expect(formatMoneyNamed(2500, "AUD", "ru")).toBe("25\u00a0A$");
  });
});
