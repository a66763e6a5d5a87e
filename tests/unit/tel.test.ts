// Phone numbers as tel: links (ADR 040).
import { describe, expect, it } from "vitest";
import { telHref } from "~/ui/tel";

describe("telHref", () => {
  it.each([
    ["03 9000 0000", "tel:0390000000"],
    ["+61 3 9000 0000", "tel:+61390000000"],
    [" (03) 9000-0000 ", "tel:0390000000"],
    ["1800 FUND 00", "tel:1800386300"],
  ])("%s → %s", (phone, href) => {
    expect(telHref(phone)).toBe(href);
  });
});
