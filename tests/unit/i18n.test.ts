import { describe, expect, it } from "vitest";
import { t } from "~/i18n/t";

describe("message catalogue", () => {
  it("fills in parameters and plurals", () => {
    expect(t("donate.submitOnce", { amount: "$25" })).toBe("Give $25 now");
    expect(t("donate.submitMonthly", { amount: "$25" })).toBe("Give $25 every month");
    expect(t("progress.daysLeft", { count: 1 })).toBe("1 day left");
    expect(t("progress.daysLeft", { count: 12 })).toBe("12 days left");
    expect(t("progress.supporters", { count: 0 })).toBe("0 supporters");
  });
});
