import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/browser";

/**
 * Some of our supporters risk prosecution for giving: no supporter-facing page may make their
 * browser contact anyone but us. The built app runs as in production (fresh database, simulated
 * payments, dev mailbox), a supporter gives and signs in through the emailed link, and the HTML
 * of every page they can see is checked for anything loaded from another host.
 */

let server: AppServer;
let ownHosts: Set<string>;
beforeAll(async () => {
  server = await startAppServer();
  const port = new URL(server.origin).port;
  // APP_URL defaults to localhost:<port>; the test talks to 127.0.0.1:<port>. Both are us.
  ownHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
});
afterAll(() => server?.stop());

/** A browser without JavaScript: follows nothing by itself, keeps cookies. */
const jar = new Map<string, string>();
async function request(path: string, init: { form?: Record<string, string> } = {}) {
  const response = await fetch(new URL(path, server.origin), {
    method: init.form ? "POST" : "GET",
    redirect: "manual",
    headers: {
      Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
      ...(init.form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return response;
}

const decode = (value: string) =>
  value
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

function isForeign(url: string, base: string): boolean {
  const trimmed = url.trim();
  if (trimmed === "" || /^(#|data:|blob:|mailto:|tel:|javascript:)/i.test(trimmed)) return false;
  const resolved = new URL(trimmed, base);
  return /^(https?|wss?|ftp):$/.test(resolved.protocol) && !ownHosts.has(resolved.host);
}

/** Every URL in the page the browser would fetch or send a form to by itself: not links people click. */
function thirdPartyReferences(html: string, base: string): string[] {
  const found: string[] = [];
  const check = (what: string, url: string) => {
    if (isForeign(url, base)) found.push(`${what} → ${url}`);
  };
  // Emails shown in the dev mailbox's sandboxed iframe are not pages of ours; nor is inline JSON.
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, (tag) => tag.slice(0, tag.indexOf(">") + 1));
  for (const [, tag, attributes] of markup.matchAll(/<([a-z][\w:-]*)\b([^>]*)>/gi)) {
    const name = tag.toLowerCase();
    for (const [, attribute, , double, single] of attributes.matchAll(/\s([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      const attr = attribute.toLowerCase();
      const value = decode(double ?? single ?? "");
      if (attr === "style")
        for (const [, url] of value.matchAll(/url\(\s*['"]?([^'")]+)/gi)) check(`<${name} style>`, url);
      if (attr === "srcset" || attr === "imagesrcset")
        for (const candidate of value.split(",")) check(`<${name} ${attr}>`, candidate.trim().split(/\s+/)[0]);
      if (["src", "action", "formaction", "data", "poster", "background", "xlink:href"].includes(attr))
        check(`<${name} ${attr}>`, value);
      // A link element loads what it names (stylesheets, fonts, preconnects); an anchor only when clicked.
      if (attr === "href" && name !== "a" && name !== "area") check(`<${name} href>`, value);
    }
    if (name === "meta" && /http-equiv\s*=\s*["']refresh/i.test(attributes)) {
      const target = /url=([^"']+)/i.exec(attributes);
      if (target) check("<meta refresh>", decode(target[1]));
    }
  }
  for (const [, css] of markup.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) found.push(...cssReferences(css, base));
  return found;
}

function cssReferences(css: string, base: string): string[] {
  const found: string[] = [];
  for (const [, url] of css.matchAll(/url\(\s*['"]?([^'")]+)/gi))
    if (isForeign(url, base)) found.push(`css url() → ${url}`);
  for (const [, url] of css.matchAll(/@import\s+(?:url\()?\s*['"]?([^'")\s;]+)/gi))
    if (isForeign(url, base)) found.push(`css @import → ${url}`);
  return found;
}

const checked = new Map<string, string[]>();
const stylesheets = new Set<string>();

/** Loads a page as the supporter sees it and records what it references. */
async function visit(path: string): Promise<string> {
  const response = await request(path);
  expect(response.status, `${path} answered ${response.status}`).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  expect(response.headers.get("Content-Security-Policy")).toMatch(/default-src 'self'/);
  const html = await response.text();
  checked.set(path, thirdPartyReferences(html, new URL(path, server.origin).toString()));
  for (const [, href] of html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)) stylesheets.add(href);
  return html;
}

const csrfOf = (html: string) => /<input[^>]*name="csrf"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? "";

async function waitForMail(email: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await (await request("/dev/mailbox")).text();
    for (const [, id] of list.matchAll(/href="\/dev\/mailbox\/(\d+)"/g)) {
      const message = await (await request(`/dev/mailbox/${id}`)).text();
      if (message.includes(email) && message.includes("/account/auth/")) return message;
    }
    if (Date.now() > deadline) throw new Error(`no email with a sign-in link reached ${email} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("supporter-facing pages", () => {
  it("load nothing from, and send nothing to, any host but ours", async () => {
    const front = await visit("/");
    await visit("/c/defence-fund");
    await visit("/support");
    await visit("/thanks");
    await visit("/account/sign-in");

    // Give, pay on the simulated checkout, and sign in with the receipt's "manage your support" link.
    const email = `privacy.${Date.now()}@example.net`;
    const given = await request("/?index", {
      form: { csrf: csrfOf(front), currency: "AUD", frequency: "once", amount: "2500", email, name: "Pia Private" },
    });
    expect(given.status).toBe(303);
    const checkoutPath = given.headers.get("Location")!;
    const checkout = await visit(checkoutPath);
    const paid = await request(checkoutPath, { form: { csrf: csrfOf(checkout), outcome: "pay" } });
    expect(paid.status).toBe(303);
    await visit(paid.headers.get("Location")!);
    const token = /\/account\/auth\/([A-Za-z0-9_-]{20,100})/.exec(await waitForMail(email))![1];
    const continuePage = await visit(`/account/auth/${token}`);
    const signedIn = await request(`/account/auth/${token}`, { form: { csrf: csrfOf(continuePage) } });
    expect(signedIn.status).toBe(303);
    expect(jar.has("ff_session")).toBe(true);

    const overview = await visit("/account");
    expect(overview).toContain("Pia Private");
    const receipt = /href="(\/account\/receipts\/\d+)"/.exec(overview)?.[1];
    expect(receipt, "the account page links to a receipt").toBeDefined();
    await visit(receipt!);
    await visit("/account/profile");
    await visit("/account/privacy");
    await visit("/account/privacy?step=erase");
    await visit("/account/statement");
    await visit("/account/erased");

    for (const href of stylesheets) {
      const css = await request(href);
      expect(css.status).toBe(200);
      checked.set(href, cssReferences(await css.text(), new URL(href, server.origin).toString()));
    }

    expect(checked.size).toBeGreaterThanOrEqual(15);
    expect(Object.fromEntries([...checked].filter(([, found]) => found.length > 0))).toEqual({});
  }, 60_000);

  it("the check itself catches scripts, styles, fonts, images, frames and forms elsewhere", () => {
    const base = server.origin + "/";
    const page = `
      <script src="https://cdn.example.com/a.js"></script><script>window.__x = "https://inline.example.com";</script>
      <link rel="stylesheet" href="//fonts.googleapis.com/css?family=Inter"><link rel="preconnect" href="https://fonts.gstatic.com">
      <img src="https://pixel.example.net/p.gif" srcset="/a.png 1x, https://img.example.net/b.png 2x"><iframe src="https://www.youtube.com/embed/x"></iframe>
      <form action="https://evil.example/collect"></form><div style="background:url('https://bg.example.org/x.png')"></div>
      <style>@import url("https://css.example.org/x.css"); @font-face { src: url(https://font.example.org/f.woff2) }</style>
      <a href="https://elsewhere.example/">a link people choose to follow</a><img src="/build/ok.png"><form action="/account/profile"></form>`;
    expect(thirdPartyReferences(page, base)).toEqual([
      "<script src> → https://cdn.example.com/a.js",
      "<link href> → //fonts.googleapis.com/css?family=Inter",
      "<link href> → https://fonts.gstatic.com",
      "<img src> → https://pixel.example.net/p.gif",
      "<img srcset> → https://img.example.net/b.png",
      "<iframe src> → https://www.youtube.com/embed/x",
      "<form action> → https://evil.example/collect",
      "<div style> → https://bg.example.org/x.png",
      "css url() → https://css.example.org/x.css",
      "css url() → https://font.example.org/f.woff2",
      "css @import → https://css.example.org/x.css",
    ]);
  });
});
