import { describe, expect, it } from "vitest";
import { campaignLocales } from "~/http/campaign-locale.server";

function counting(answers: Record<string, string | null>) {
  const asked: string[] = [];
  const locales = campaignLocales(async (slug) => {
    asked.push(slug);
    if (slug === "broken") throw new Error("database down");
    return answers[slug] ?? null;
  });
  return { locales, asked };
}

describe("campaigns' languages for the language fallback (ADR 049)", () => {
  it("asks the database every time until the page cache listens for changes", async () => {
    const { locales, asked } = counting({ svobodnye: "ru" });
    expect(await locales.of("svobodnye")).toBe("ru");
    expect(await locales.of("svobodnye")).toBe("ru");
    expect(asked).toEqual(["svobodnye", "svobodnye"]);
  });

  it("keeps answers (a miss too) while it listens, and asks again once a campaign changed", async () => {
    const { locales, asked } = counting({ svobodnye: "ru" });
    locales.keep();
    expect(await locales.of("svobodnye")).toBe("ru");
    expect(await locales.of("svobodnye")).toBe("ru");
    expect(await locales.of("no-such-campaign")).toBeNull();
    expect(await locales.of("no-such-campaign")).toBeNull();
    expect(asked).toEqual(["svobodnye", "no-such-campaign"]);
    locales.forget();
    expect(await locales.of("svobodnye")).toBe("ru");
    expect(asked).toEqual(["svobodnye", "no-such-campaign", "svobodnye"]);
  });

  it("does not keep a failed look-up", async () => {
    const { locales, asked } = counting({});
    locales.keep();
    await expect(locales.of("broken")).rejects.toThrow("database down");
    await expect(locales.of("broken")).rejects.toThrow("database down");
    expect(asked).toEqual(["broken", "broken"]);
  });

  it("keeps at most a thousand slugs, so URLs naming made-up campaigns cannot grow it without end", async () => {
    const { locales, asked } = counting({});
    locales.keep();
    for (let i = 0; i < 1001; i++) await locales.of(`made-up-${i}`);
    await locales.of("made-up-1000");
    await locales.of("made-up-0");
    expect(asked.filter((slug) => slug === "made-up-0")).toHaveLength(2);
    expect(asked.filter((slug) => slug === "made-up-1000")).toHaveLength(1);
  });
});
