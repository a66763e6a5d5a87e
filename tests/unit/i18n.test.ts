import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IntlMessageFormat } from "intl-messageformat";
import { describe, expect, it } from "vitest";
import { en } from "~/i18n/en";
import {
  campaignSlugForLocale,
  fromAcceptLanguage,
  negotiateLocale,
  resolveLocale,
  sameOriginPath,
} from "~/i18n/request-locale.server";
import { ru } from "~/i18n/ru";
import { t } from "~/i18n/t";
import { clientMessages } from "~/i18n/catalogue.server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const APP = path.join(ROOT, "app");
const EMAILS = path.join(ROOT, "emails");

type MessageFormatElement = ReturnType<IntlMessageFormat["getAst"]>[number];
const LITERAL = 0; // the parser's TYPE.literal: text, not an argument

/** The arguments a message names, read from its ICU syntax tree (words inside plural branches are text). */
function params(text: string): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if ("value" in element && typeof element.value === "string" && element.type !== LITERAL) names.add(element.value);
      if ("options" in element)
        for (const option of Object.values(element.options) as { value: MessageFormatElement[] }[]) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(text, "en", undefined, { ignoreTag: true }).getAst());
  return [...names];
}

describe("message catalogue", () => {
  it("fills in parameters and plurals", () => {
    expect(t("donate.submitOnce", { amount: "$25" })).toBe("Give $25 now");
    expect(t("donate.submitMonthly", { amount: "$25" })).toBe("Give $25 every month");
    expect(t("progress.daysLeft", { count: 1 })).toBe("1 day left");
    expect(t("progress.daysLeft", { count: 12 })).toBe("12 days left");
    expect(t("progress.supporters", { count: 0 })).toBe("0 supporters");
  });

  it("says Russian plurals the Russian way: one, few, many (ADR 049)", () => {
    const supporters = (count: number) => t("progress.supporters", { count }, "ru");
    expect([1, 2, 5, 21].map(supporters)).toEqual(["1 сторонник", "2 сторонника", "5 сторонников", "21 сторонник"]);
    expect([11, 12, 14, 22, 25, 101, 111].map(supporters)).toEqual([
      "11 сторонников",
      "12 сторонников",
      "14 сторонников",
      "22 сторонника",
      "25 сторонников",
      "101 сторонник",
      "111 сторонников",
    ]);
    expect([1, 3, 7].map((count) => t("progress.daysLeft", { count }, "ru"))).toEqual([
      "остался 1 день",
      "осталось 3 дня",
      "осталось 7 дней",
    ]);
  });
});

describe("catalogue completeness (ADR 049)", () => {
  const english = Object.keys(en);
  const translated = english.filter((key) => !key.startsWith("admin."));

  it("Russian has exactly the keys of English, staff pages' apart: none missing, none extra, none empty", () => {
    expect(Object.keys(ru).sort()).toEqual(translated.sort());
    expect(Object.entries(ru).filter(([, text]) => text.trim() === "")).toEqual([]);
  });

  it("every message parses, and a Russian one names the same parameters as its English one", () => {
    for (const key of translated) {
      const k = key as keyof typeof ru;
      expect(params(ru[k]).sort(), key).toEqual(params(en[k]).sort());
      expect(() => t(k, Object.fromEntries(params(en[k]).map((p) => [p, 1])), "ru"), key).not.toThrow();
    }
  });

  it("no message is unused: each key is written out somewhere in app/ or emails/", () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.tsx?$/.test(name) && !/^app\/i18n\/(en|ru)(-\w+)?\.ts$/.test(path.relative(ROOT, file)))
          sources.push(readFileSync(file, "utf8"));
      }
    };
    walk(APP);
    walk(EMAILS);
    const code = sources.join("\n");
    // Keys built from a value, each with the values it is built from (app/validation/fields.ts,
    // app/giving/wait-ticket.server.ts). Keep this list short: prefer writing keys out.
    const DYNAMIC = [
      /^error\.amount\.(empty|not_a_number|too_many_decimals|not_positive|wrong_currency)$/,
      /^error\.address\.(line1|city|postalCode)(\.staff)?$/,
      /^wait\.why\.(connection|email)$/,
    ];
    const unused = english.filter((key) => !code.includes(`"${key}"`) && !DYNAMIC.some((rule) => rule.test(key)));
    expect(unused).toEqual([]);
  });

  it("the browser gets one language and no email or staff messages", () => {
    const page = clientMessages("ru");
    expect(page["progress.supporters"]).toBe(ru["progress.supporters"]);
    expect(Object.keys(page).filter((key) => /^(admin|email)\./.test(key))).toEqual([]);
    expect(Object.keys(clientMessages("en", { staff: true })).some((key) => key.startsWith("admin."))).toBe(true);
  });
});

describe("the request's language (ADR 049)", () => {
  const ask = (url: string, cookieHeader?: string, acceptLanguage?: string) =>
    negotiateLocale({ url, cookieHeader, acceptLanguage });

  it("takes ?lang, then the saved cookie, then Accept-Language, then English", () => {
    expect(ask("/?lang=ru", "ff_lang=en", "en")).toBe("ru");
    expect(ask("/", "ff_csrf=x; ff_lang=ru", "en-GB,en;q=0.9")).toBe("ru");
    expect(ask("/", "ff_lang=de", "ru-RU,ru;q=0.9,en;q=0.8")).toBe("ru");
    expect(ask("/", undefined, "de-DE,de;q=0.9")).toBe("en");
    expect(ask("/", undefined, undefined)).toBe("en");
    expect(ask("/?lang=xx")).toBe("en");
  });

  it("reads Accept-Language by its q-values", () => {
    expect(fromAcceptLanguage("en;q=0.5, ru;q=0.8")).toBe("ru");
    expect(fromAcceptLanguage("uk, ru;q=0.7, en;q=0.3")).toBe("ru");
    expect(fromAcceptLanguage("ru;q=0, en")).toBe("en");
    expect(fromAcceptLanguage("*, garbage;;;")).toBe("en");
  });

  it("falls back to the campaign's language before English, on its page and its embedded block only", async () => {
    const on = (url: string, cookieHeader?: string, acceptLanguage?: string) =>
      negotiateLocale({ url, cookieHeader, acceptLanguage, campaignLocale: "ru" });
    // The reader's own choice, saved choice and Accept-Language all come first.
    expect(on("/c/novosti?lang=en", "ff_lang=ru", "ru")).toBe("en");
    expect(on("/c/novosti", "ff_lang=en", "ru")).toBe("en");
    expect(on("/c/novosti", undefined, "en-GB,en;q=0.9")).toBe("en");
    // None of ours asked for (or no header at all): the campaign's language, not English.
    expect(on("/c/novosti", undefined, "de-DE,de;q=0.9")).toBe("ru");
    expect(on("/c/novosti", undefined, undefined)).toBe("ru");
    expect(negotiateLocale({ url: "/c/x", cookieHeader: "", acceptLanguage: "", campaignLocale: "xx" })).toBe("en");

    // The campaign is looked up only for a campaign's page whose reader asked for none of ours.
    const asked: string[] = [];
    const lookUp = async (slug: string) => (asked.push(slug), "ru");
    const resolve = (url: string, cookieHeader?: string, acceptLanguage?: string) =>
      resolveLocale({ url, cookieHeader, acceptLanguage }, lookUp);
    expect(await resolve("/c/novosti", undefined, "de")).toBe("ru");
    expect(await resolve("/embed/novosti", "ff_lang=en", undefined)).toBe("ru");
    expect(await resolve("/c/novosti", undefined, "en")).toBe("en");
    expect(await resolve("/c/novosti", "ff_lang=en", undefined)).toBe("en");
    expect(await resolve("/", undefined, undefined)).toBe("en");
    expect(await resolve("/support", undefined, "de")).toBe("en");
    expect(await resolve("/c/novosti/progress.svg", undefined, undefined)).toBe("en");
    expect(asked).toEqual(["novosti", "novosti"]);
    // Without a look-up the language is answered at once, not with a promise (the cached pages: ADR 053).
    expect(resolve("/", undefined, undefined)).toBe("en");
    expect(resolve("/c/novosti", "ff_lang=ru", undefined)).toBe("ru");
    expect(resolve("/c/novosti?lang=en", undefined, undefined)).toBe("en");
    expect(resolve("/c/novosti", undefined, undefined)).toBeInstanceOf(Promise);
    // A plain path is read as the URL parser would: a query, `//`, dots and escapes are parsed.
    for (const [url, expected] of [
      ["/c/novosti?lang=en", "en"],
      ["/c/novosti/?lang=en", "en"],
      ["/admin", "en"],
      ["/admin/", "en"],
      ["/c/./novosti", "ru"],
      ["/c/%6eovosti", "en"],
      ["/c/Novosti", "en"],
    ] as const)
      expect(await resolve(url, undefined, undefined), url).toBe(expected);
    expect(campaignSlugForLocale({ url: "/admin/campaigns", cookieHeader: null, acceptLanguage: null })).toBeNull();
  });

  it("the embedded appeal ignores the cookie; staff pages stay English", () => {
    expect(ask("/embed/winter", "ff_lang=ru", "en")).toBe("en");
    expect(ask("/embed/winter?lang=ru", undefined, "en")).toBe("ru");
    expect(ask("/admin/payments", "ff_lang=ru", "ru")).toBe("en");
  });

  it("goes back to a path on this site only", () => {
    expect(sameOriginPath("/c/winter?lang=en&x=1")).toBe("/c/winter?x=1");
    expect(sameOriginPath("//evil.example/")).toBe("/");
    expect(sameOriginPath("/\\evil.example")).toBe("/");
    expect(sameOriginPath("https://evil.example/")).toBe("/");
    expect(sameOriginPath(null)).toBe("/");
  });
});
