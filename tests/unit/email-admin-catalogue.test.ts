import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { en } from "~/i18n/en";
import { enAdmin } from "~/i18n/en-admin";
import { enEmail } from "~/i18n/en-email";
import { ruEmail } from "~/i18n/ru-email";
import { t } from "~/i18n/t";

const root = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every .ts/.tsx under app/ and emails/, except the catalogues themselves. */
const code = [...sources(join(root, "app")), ...sources(join(root, "emails"))]
  .filter((path) => !path.includes(join("app", "i18n")))
  .map((path) => readFileSync(path, "utf8"))
  .join("\n");

/** The plural arguments of an ICU message and the categories each one names. */
function pluralCategories(message: string): string[][] {
  return [...message.matchAll(/\{\w+, plural, ((?:\w+ \{[^}]*\}\s*)+)\}/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/(\w+) \{/g)].map((c) => c[1] ?? ""),
  );
}

describe("the email and staff catalogues", () => {
  it("Russian has exactly the English email keys, none empty", () => {
    expect(Object.keys(ruEmail).sort()).toEqual(Object.keys(enEmail).sort());
    for (const [key, message] of Object.entries(ruEmail)) expect(message.trim(), key).not.toBe("");
    for (const [key, message] of Object.entries(enEmail)) expect(message.trim(), key).not.toBe("");
    for (const [key, message] of Object.entries(enAdmin)) expect(String(message).trim(), key).not.toBe("");
  });

  it("Russian plurals name one, few, many and other; a message's arguments are the English one's", () => {
    for (const [key, english] of Object.entries(enEmail)) {
      const russian = ruEmail[key as keyof typeof enEmail];
      for (const categories of pluralCategories(russian))
        expect(categories.sort(), key).toEqual(["few", "many", "one", "other"]);
      // The arguments, once the plural cases' own text ("one {is}") is set aside.
      const names = (message: string) =>
        [
          ...new Set(
            [...message.replace(/(?:zero|one|two|few|many|other) \{[^{}]*\}/g, "").matchAll(/\{(\w+)[,}]/g)].map(
              (m) => m[1],
            ),
          ),
        ].sort();
      expect(names(russian), key).toEqual(names(english));
    }
  });

  it("Russian plural forms are chosen right for 1, 2, 5 and 21", () => {
    const minutes = (n: number) => t("email.signIn.preview", { minutes: n }, "ru");
    expect(minutes(1)).toContain("действует 1 минуту");
    expect(minutes(2)).toContain("действует 2 минуты");
    expect(minutes(5)).toContain("действует 5 минут");
    expect(minutes(21)).toContain("действует 21 минуту");
  });

  it("every email and staff key is used somewhere in app/ or emails/", () => {
    const keys = Object.keys(en).filter((key) => key.startsWith("email.") || key.startsWith("admin."));
    expect(keys.length).toBeGreaterThan(Object.keys(enEmail).length);
    const unused = keys.filter((key) => !code.includes(`"${key}"`));
    expect(unused).toEqual([]);
  });
});
