import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noJsBrowser, startAppServer, type AppServer, type NoJsBrowser } from "../support/browser";

/**
 * Every word a reader or supporter reads comes from the message catalogue (ADR 049). The built
 * app renders each public and account page in a test-only pseudo language (`en-XA`, taken only
 * with FF_PSEUDO_LOCALE=1) that wraps every message in ⟦ ⟧; any text left outside the markers
 * must be data, by this rule:
 * - what the organisation or a person typed (organisation, campaign and plan names and texts, the
 *   organisation's address and receipt footer, names, email addresses): the DATA list, from the
 *   seeded demo and this test's own gift;
 * - what a payment was recorded as being for (its description, kept as it was issued, like the
 *   receipt that quotes it);
 * - numbers, amounts, dates, date ranges and currency codes as Intl writes them, and punctuation.
 */
let server: AppServer;
beforeAll(async () => {
  server = await startAppServer({ env: { FF_PSEUDO_LOCALE: "1" } });
}, 120_000);
afterAll(() => server?.stop());

const EMAIL = "pseudo-reader@example.net";
const csrfOf = (html: string) => /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? "";

function decode(text: string) {
  return text
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&nbsp;/g, " ");
}

/** The visible text of a page's body (and its title), with every catalogue message taken out. */
function outsideCatalogue(html: string): string[] {
  const title = /<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? "";
  const body = (/<body[^>]*>([\s\S]*)<\/body>/.exec(html)?.[1] ?? "")
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1>/g, " ")
    .replace(/<!-- -->/g, "");
  // aria-label and alt are read out: they count as text.
  const labels = [...body.matchAll(/\s(?:aria-label|alt|title|placeholder)="([^"]*)"/g)].map((m) => m[1]);
  let text = [title, ...labels, ...body.split(/<[^>]+>/)].map(decode).join("\n");
  // Innermost first: a message can hold another ("Give ⟦your amount⟧ now").
  for (let before = ""; before !== text;) [before, text] = [text, text.replace(/⟦[^⟦⟧]*⟧/g, "\n")];
  return text
    .split(/\n| · /)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

// What the demo seed and this test typed: data, shown as typed.
const DATA = [
  /^Fighting Fund Demo Press$/,
  /^Fighting Fund 2026$/,
  /^Keep independent journalism free to read$/,
  /^We answer to our readers/,
  /^(Digital|Print) supporter( — 12 months)?$/,
  /^The (weekly digital|print) edition/,
  /^Supporter newsletter$/,
  /^[\w.+-]+@[\w.-]+$/,
  /^English$/,
  /^Русский$/,
  /^Pseudo Reader$/,
  /^PO Box 1234, Melbourne VIC 3000, Australia$/,
  /^Thank you for keeping independent journalism alive\. ABN [\d ]+\.$/,
  /^Monthly gift to Fighting Fund 2026$/,
];
const AMOUNT = String.raw`(?:(?:A|US)?\$[\d.,]+(?: [A-Z]{3})?)`;
const DATE = String.raw`(?:\d{1,2} [A-Z][a-z]+ \d{4})`;
const FIGURES = new RegExp(
  String.raw`^[\p{N}\p{P}\p{S}\p{Z}\p{Cf}\s]*$|^${AMOUNT}$|^[A-Z]{3}$|^${DATE}(?: – ${DATE})?$`,
  "u",
);
const isData = (line: string) => FIGURES.test(line) || DATA.some((rule) => rule.test(line));

async function leftovers(browser: NoJsBrowser, path: string) {
  const response = await browser.request(path);
  expect(response.status, path).toBe(200);
  return outsideCatalogue(await response.text()).filter((line) => !isData(line));
}

describe("pages in the pseudo language show no text outside the catalogue", () => {
  it("the public pages", async () => {
    const reader = noJsBrowser(() => server.origin);
    reader.jar.set("ff_lang", "en-XA");
    const found: Record<string, string[]> = {};
    for (const path of ["/", "/c/fighting-fund-2026", "/support", "/privacy", "/account/sign-in", "/thanks?ref=x"])
      found[path] = await leftovers(reader, path);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((path) => [path, []])));
  });

  it("pages in Russian carry no NUL bytes, from memory or rendered anew", async () => {
    // React 18 streams its 2 KB buffer whole when a multi-byte character does not fit at its end
    // (entry.server.tsx's withoutTrailingNuls); Cyrillic pages met it on most of them.
    const reader = noJsBrowser(() => server.origin);
    reader.jar.set("ff_lang", "ru");
    const nuls: Record<string, number> = {};
    for (const path of ["/", "/c/svobodnye-novosti", "/support", "/privacy", "/privacy?fresh=1", "/?fresh=1"]) {
      const bytes = Buffer.from(await (await reader.request(path)).arrayBuffer());
      nuls[path] = bytes.filter((byte) => byte === 0).length;
    }
    expect(nuls).toEqual(Object.fromEntries(Object.keys(nuls).map((path) => [path, 0])));
  });

  it("the account pages, signed in after a gift", async () => {
    const reader = noJsBrowser(() => server.origin);
    reader.jar.set("ff_lang", "en-XA");
    // A gift, paid on the simulated checkout.
    const token = csrfOf(await (await reader.request("/")).text());
    const started = await reader.request("/?index", {
      form: { csrf: token, currency: "AUD", frequency: "monthly", amount: "2500", name: "Pseudo Reader", email: EMAIL },
    });
    const checkoutPath = started.headers.get("Location")!;
    expect(checkoutPath).toMatch(/simulated-checkout/);
    const checkoutHtml = await (await reader.request(checkoutPath)).text();
    expect(
      outsideCatalogue(checkoutHtml).filter((line) => !isData(line)),
      checkoutPath,
    ).toEqual([]);
    const paid = await reader.request(checkoutPath, { form: { csrf: csrfOf(checkoutHtml), outcome: "pay" } });
    const thanks = paid.headers.get("Location")!;
    expect(await leftovers(reader, thanks), thanks).toEqual([]);

    // Signing in by the emailed link.
    const signIn = await (await reader.request("/account/sign-in")).text();
    await reader.request("/account/sign-in", { form: { csrf: csrfOf(signIn), email: EMAIL } });
    let link: string | undefined;
    for (const deadline = Date.now() + 10_000; !link && Date.now() < deadline;) {
      const list = await (await reader.request("/dev/mailbox")).text();
      for (const m of list.matchAll(/href="(\/dev\/mailbox\/\d+)"/g)) {
        const mail = await (await reader.request(m[1]!)).text();
        if (mail.includes(EMAIL)) link ??= /\/account\/auth\/[A-Za-z0-9_-]+/.exec(mail)?.[0];
      }
      if (!link) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(link, "a sign-in link in the dev mailbox").toBeDefined();
    const confirm = await (await reader.request(link!)).text();
    expect(
      outsideCatalogue(confirm).filter((line) => !isData(line)),
      link,
    ).toEqual([]);
    const signedIn = await reader.request(link!, { form: { csrf: csrfOf(confirm) } });
    expect(signedIn.status).toBe(303);

    const overview = await (await reader.request("/account")).text();
    const subscription = /href="(\/account\/subscriptions\/\d+)"/.exec(overview)?.[1];
    const receipt = /href="(\/account\/receipts\/\d+)"/.exec(overview)?.[1];
    const found: Record<string, string[]> = {};
    for (const path of [
      "/account",
      "/account/profile",
      "/account/statement",
      "/account/privacy",
      "/account/privacy?step=erase",
      "/account/card/simulated",
      subscription!,
      `${subscription!}?step=cancel`,
      receipt!,
    ])
      found[path] = await leftovers(reader, path);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((path) => [path, []])));
  });
});
