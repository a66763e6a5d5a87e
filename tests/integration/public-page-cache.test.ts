import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noJsBrowser, startAppServer, type AppServer } from "../support/browser";

/**
 * The public pages served from memory by the built app behind server.mjs (ADR 021): each reader
 * still gets their own nonce and a CSRF token that works, the page is what Remix would render, and
 * a payment or an edit, by this process or another, shows within moments.
 */

let server: AppServer;
let databaseUrl: string | undefined;
beforeAll(async () => {
  server = await startAppServer({
    prepare: async (env) => {
      databaseUrl = env.DATABASE_URL;
    },
  });
}, 120_000);
afterAll(() => server?.stop());

const reader = () => noJsBrowser(() => server.origin);
const nonceOf = (response: Response) =>
  /'nonce-([A-Za-z0-9+/=]+)'/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1];
const csrfOf = (html: string) => /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? "";
const text = (html: string) =>
  html
    .replace(/<!-- -->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");

/** Reads `path` until `predicate` holds for its text, for up to five seconds: a change shows within about one. */
async function eventually(path: string, predicate: (pageText: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = text(await (await reader().request(path)).text());
    if (predicate(page) || Date.now() > deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("public pages from memory", () => {
  it("gives each reader this response's nonce in every script, and a CSRF token that matches their own cookie", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const browser = reader();
      const response = await browser.request("/");
      expect(response.status).toBe(200);
      const html = await response.text();
      const nonce = nonceOf(response)!;
      const nonces = [...html.matchAll(/<script[^>]*\snonce="([^"]*)"/g)].map((m) => m[1]);
      expect(nonces.length).toBeGreaterThan(0);
      expect(new Set(nonces)).toEqual(new Set([nonce]));
      const token = csrfOf(html);
      seen.add(nonce).add(token);
      // The token works: the donate form starts a checkout with it (and the cookie it came with).
      const given = await browser.request("/?index", {
        form: {
          csrf: token,
          currency: "AUD",
          frequency: "once",
          amount: "2500",
          name: "Page Reader",
          email: `page-reader-${i}@example.net`,
        },
      });
      expect(given.status, await given.clone().text()).toBe(303);
      expect(given.headers.get("Location")).toMatch(/^\/simulated-checkout\//);
      // A returning reader keeps their token and gets no new cookie.
      const again = await browser.request("/");
      expect(csrfOf(await again.text())).toBe(token);
      expect(again.headers.getSetCookie()).toEqual([]);
    }
    expect(seen.size).toBe(6);
  });

  it("serves what Remix renders for the same page, but for the nonce and token", async () => {
    for (const path of ["/", "/support"]) {
      const cached = await reader().request(path);
      // Any cookie but the CSRF one goes past the cache to Remix.
      const rendered = await reader().request(path, { headers: { Cookie: "someone=else" } });
      const normalise = async (response: Response) => {
        const html = await response.text();
        return html.replaceAll(nonceOf(response)!, "NONCE").replaceAll(csrfOf(html), "TOKEN");
      };
      expect(await normalise(cached)).toBe(await normalise(rendered));
      expect(cached.headers.get("Cache-Control")).toBe("private, no-store");
      expect(cached.headers.get("Content-Type")).toBe(rendered.headers.get("Content-Type"));
      // fetch asks for gzip, as browsers do, and both answers are compressed.
      expect([cached.headers.get("Content-Encoding"), rendered.headers.get("Content-Encoding")]).toEqual([
        "gzip",
        "gzip",
      ]);
    }
  });

  it("shows a gift on the campaign page within moments of its payment", async () => {
    const before = text(await (await reader().request("/")).text());
    const raised = (page: string) => /\$([\d,]+) raised of/.exec(page)?.[1];
    expect(raised(before)).toBeDefined();

    const browser = reader();
    const token = csrfOf(await (await browser.request("/")).text());
    const started = await browser.request("/?index", {
      form: {
        csrf: token,
        currency: "AUD",
        frequency: "once",
        amount: "5000",
        name: "Counted Reader",
        email: "counted@example.net",
      },
    });
    const checkoutPath = started.headers.get("Location")!;
    const checkout = await browser.request(checkoutPath);
    const paid = await browser.request(checkoutPath, { form: { csrf: csrfOf(await checkout.text()), outcome: "pay" } });
    expect(paid.status).toBe(303);

    const expected = (Number(raised(before)!.replace(/,/g, "")) + 50).toLocaleString("en-AU");
    expect(raised(await eventually("/", (page) => raised(page) === expected))).toBe(expected);
  });

  it("keeps a page per language: Accept-Language or the saved choice picks it, and the answer varies by both (ADR 049)", async () => {
    const english = await reader().request("/", { headers: { "Accept-Language": "en-GB,en;q=0.9" } });
    const russian = await reader().request("/", { headers: { "Accept-Language": "ru-RU,ru;q=0.9" } });
    const chosen = noJsBrowser(() => server.origin);
    const switched = await chosen.request("/language?to=ru&back=/");
    expect(switched.status).toBe(303);
    expect(switched.headers.get("Location")).toBe("/");
    const saved = await chosen.request("/", { headers: { "Accept-Language": "en" } });
    expect(await english.text()).toMatch(/<html lang="en"[\s\S]* raised of /);
    for (const page of [russian, saved]) expect(await page.text()).toMatch(/<html lang="ru"[\s\S]*Собрано /);
    for (const page of [english, russian, saved]) {
      expect(page.headers.get("Vary")).toMatch(/Accept-Language/);
      expect(page.headers.get("Vary")).toMatch(/Cookie/);
    }
    // A switcher's way back is a path on this site, never another site.
    const away = await chosen.request("/language?to=en&back=//evil.example/");
    expect(away.headers.get("Location")).toBe("/");
  });

  it("opens a campaign's page in its language when the reader asks for none of ours, and / in English (ADR 049)", async () => {
    const html = async (path: string, acceptLanguage?: string) =>
      (await reader().request(path, acceptLanguage ? { headers: { "Accept-Language": acceptLanguage } } : {})).text();
    const langOf = (page: string) => /<html lang="([^"]+)"/.exec(page)?.[1];
    // Twice each: the second answer comes from memory, kept under the language resolved.
    for (let i = 0; i < 2; i++) {
      expect(langOf(await html("/c/svobodnye-novosti"))).toBe("ru");
      expect(langOf(await html("/c/svobodnye-novosti", "de-DE,de;q=0.9"))).toBe("ru");
      expect(langOf(await html("/c/svobodnye-novosti", "en-GB,en;q=0.9"))).toBe("en");
      expect(langOf(await html("/"))).toBe("en");
      expect(langOf(await html("/", "de-DE"))).toBe("en");
    }
    expect(await html("/c/svobodnye-novosti")).toMatch(/Собрано /);
    expect(langOf(await html("/embed/svobodnye-novosti"))).toBe("ru");
  });

  it("opens in the currency of the reader's country if the campaign takes it, from memory or rendered for them (ADR 050)", async () => {
    const currencyOf = async (path: string, acceptLanguage: string) => {
      const html = await (await reader().request(path, { headers: { "Accept-Language": acceptLanguage } })).text();
      return /data-currency="([A-Z]{3})"/.exec(html)?.[1];
    };
    // The EUR campaign also takes USD and GBP; the default campaign only AUD. A query string is
    // never served from memory: each pair compares a page from memory with one rendered anew.
    const expected: [acceptLanguage: string, euroCampaign: string][] = [
      ["en-GB,en;q=0.9", "GBP"],
      ["en-US", "USD"],
      ["ru-RU,ru;q=0.9,en-US;q=0.8", "EUR"],
      ["de-DE", "EUR"],
      ["en", "EUR"],
      ["en-AU", "EUR"],
    ];
    for (let i = 0; i < 2; i++)
      for (const [acceptLanguage, currency] of expected) {
        expect(await currencyOf("/c/svobodnye-novosti", acceptLanguage), acceptLanguage).toBe(currency);
        expect(await currencyOf("/c/svobodnye-novosti?from=link", acceptLanguage), acceptLanguage).toBe(currency);
        expect(await currencyOf("/", acceptLanguage), acceptLanguage).toBe("AUD");
      }
    // The reader's own choice comes first.
    expect(await currencyOf("/c/svobodnye-novosti?currency=EUR", "en-GB")).toBe("EUR");
    expect(await currencyOf("/c/svobodnye-novosti?currency=GBP", "ru")).toBe("GBP");
  });

  it.skipIf(!process.env.DATABASE_URL)(
    "shows a change another process made (PostgreSQL notifies every app process)",
    async () => {
      // Fill the cache first, so that only the notification can make it show the change.
      await reader().request("/");
      const other = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
      try {
        await other`update campaigns set headline = 'Changed by another process' where is_default`;
      } finally {
        await other.end();
      }
      expect(await eventually("/", (page) => page.includes("Changed by another process"))).toContain(
        "Changed by another process",
      );
    },
  );

  it.skipIf(!process.env.DATABASE_URL)(
    "follows a campaign's new language, kept in memory until the database says the campaign changed",
    async () => {
      const langFor = async (acceptLanguage: string) =>
        /<html lang="([^"]+)"/.exec(
          await (
            await reader().request("/c/svobodnye-novosti", { headers: { "Accept-Language": acceptLanguage } })
          ).text(),
        )?.[1];
      // Asked for twice: the campaign's language is then kept.
      expect(await langFor("de-DE")).toBe("ru");
      expect(await langFor("fr-FR")).toBe("ru");
      const other = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
      const setLocale = (locale: string) =>
        other`update campaigns set locale = ${locale} where slug = 'svobodnye-novosti'`;
      try {
        await setLocale("en");
        const deadline = Date.now() + 5_000;
        let lang = await langFor("de-DE");
        while (lang !== "en" && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          lang = await langFor("de-DE");
        }
        expect(lang).toBe("en");
      } finally {
        await setLocale("ru");
        await other.end();
      }
    },
  );
});
