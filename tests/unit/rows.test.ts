import { describe, expect, it } from "vitest";
import { one } from "@db/rows";
import { parseDay, startOfDayInZone, startOfDayTextInZone } from "~/dates";

describe("one", () => {
  it("returns the first row of a statement that returned one", () => {
    expect(one([{ id: 7 }], "insert thing")).toEqual({ id: 7 });
  });

  it("throws an Error naming the statement when it returned none", () => {
    expect(() => one([], "createPledge: insert pledge")).toThrow(
      "createPledge: insert pledge: expected a row, got none",
    );
  });
});

describe("parseDay and startOfDayTextInZone", () => {
  it("reads a YYYY-MM-DD day as numbers, and nothing else", () => {
    expect(parseDay("2026-02-28")).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDay("2026-2-28")).toBeNull();
    expect(parseDay("28/02/2026")).toBeNull();
  });

  it("gives the instant the day starts in the zone, days on", () => {
    expect(startOfDayTextInZone("2026-12-31", "Australia/Melbourne", 1)).toEqual(
      startOfDayInZone(2027, 1, 1, "Australia/Melbourne"),
    );
    expect(() => startOfDayTextInZone("31/12/2026", "UTC")).toThrow("not a YYYY-MM-DD day");
  });
});
