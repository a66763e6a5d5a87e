import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { PublicPageCache, type PublicPageRequest } from "~/http/public-page-cache.server";

/**
 * The cache in front of the public pages (ADR 021), with a fake renderer and clock: each reader
 * gets their own nonce and CSRF token in a page rendered once; a change is shown after at most the
 * refresh interval; nothing that is not a plain anonymous GET of a public page is served from it.
 */

type Rendered = { request: Request; nonce: string };

function setUp(
  page: (n: number, token: string, nonce: string) => { status?: number; html: string } | Error = (n, token, nonce) => ({
    html: `<script nonce="${nonce}">render ${n}</script><input name="csrf" value="${token}"><p>${token}</p>`,
  }),
) {
  let clock = 1_000_000;
  const renders: Rendered[] = [];
  const release: (() => void)[] = [];
  let hold = false;
  const cache = new PublicPageCache({
    origin: "http://app.test",
    now: () => clock,
    minRefreshMs: 1_000,
    maxAgeMs: 10_000,
    maxEntries: 3,
    render: async (request, context) => {
      const nonce = String(context.cspNonce);
      renders.push({ request, nonce });
      if (hold) await new Promise<void>((resolve) => release.push(resolve));
      // The stand-in token reaches the page through the CSRF cookie, as the real loaders read it.
      const cookie = request.headers.get("cookie") ?? "";
      const token = JSON.parse(
        Buffer.from(decodeURIComponent(cookie.split("=")[1].split(".")[0]), "base64").toString(),
      );
      const made = page(renders.length, token, nonce);
      if (made instanceof Error) throw made;
      return new Response(made.html, {
        status: made.status ?? 200,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Cache-Control": "private, no-store",
          "Set-Cookie": "leak=1",
        },
      });
    },
  });
  const reader = (overrides: Partial<PublicPageRequest> = {}): PublicPageRequest => ({
    method: "GET",
    url: "/",
    cookieHeader: undefined,
    csrfToken: `token-${Math.random().toString(36).slice(2)}`,
    nonce: `nonce-${Math.random().toString(36).slice(2)}`,
    locale: "en",
    ...overrides,
  });
  return {
    cache,
    renders,
    reader,
    tick: (ms: number) => (clock += ms),
    holdRenders: () => (hold = true),
    releaseRenders: () => release.splice(0).forEach((r) => r()),
  };
}

describe("public page cache", () => {
  it("renders a page once and gives each reader their own nonce and CSRF token, in every place the page had them", async () => {
    const { cache, renders, reader } = setUp();
    const ann = reader();
    const bob = reader({ cookieHeader: "ff_csrf=signed" });
    const first = await cache.serve(ann);
    const second = await cache.serve(bob);
    expect(renders).toHaveLength(1);
    expect(first!.body.plain().toString()).toBe(
      `<script nonce="${ann.nonce}">render 1</script><input name="csrf" value="${ann.csrfToken}"><p>${ann.csrfToken}</p>`,
    );
    expect(second!.body.plain().toString()).toBe(
      `<script nonce="${bob.nonce}">render 1</script><input name="csrf" value="${bob.csrfToken}"><p>${bob.csrfToken}</p>`,
    );
    // The render's own cookie, length and policy are not replayed to readers.
    expect(Object.fromEntries(first!.headers)).toEqual({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "private, no-store",
    });
    expect(cache.counts()).toMatchObject({ served: 2, renders: 1 });
  });

  it("answers a page it holds at once, not with a promise: only a render is waited for (ADR 053)", async () => {
    const { cache, reader, tick } = setUp();
    const missing = cache.serve(reader());
    expect(missing).toBeInstanceOf(Promise);
    expect((await missing)!.body.plain().toString()).toContain("render 1");
    const held = cache.serve(reader());
    expect(held).not.toBeInstanceOf(Promise);
    expect(held).not.toBeNull();
    // Past its age the page as it was is answered at once, while it is rendered again.
    tick(10_000);
    const expired = cache.serve(reader());
    expect(expired).not.toBeInstanceOf(Promise);
    expect((expired as Exclude<typeof expired, Promise<unknown>>)!.body.plain().toString()).toContain("render 1");
    await cache.settled();
    // A change is waited for.
    cache.invalidate();
    tick(1_000);
    const changed = cache.serve(reader());
    expect(changed).toBeInstanceOf(Promise);
    expect((await changed)!.body.plain().toString()).toContain("render 3");
    // Not a page of ours: null, at once.
    expect(cache.serve(reader({ url: "/admin" }))).toBeNull();
  });

  it("serves each reader's page gzipped as the same bytes as the page as it is, nonce and token included (ADR 053)", async () => {
    // Pages of every shape: slots side by side, at either end, text that is not ASCII, text
    // longer than a stored block, text a compressor would refer back into across the slots.
    const random = (n: number) =>
      Array.from({ length: n }, () => 'aé€<>" \n0z'.charAt(Math.floor(Math.random() * 10))).join("");
    const repeated = '<div class="campaign">'.repeat(50);
    const [head, middle, tail] = [random(3_000), random(70_000), random(10)];
    const shapes = [
      (token: string, nonce: string) => `${nonce}${token}${token}${nonce}`,
      (token: string, nonce: string) => `<script nonce="${nonce}">${repeated}</script>${token}${repeated}${token}`,
      (token: string, nonce: string) => `${head}${nonce}${middle}${token}${tail}`,
      (token: string) => `<p>${token}</p>`,
    ];
    for (const [n, shape] of shapes.entries()) {
      const { cache, reader } = setUp((_n, token, nonce) => ({ html: shape(token, nonce) }));
      for (let i = 0; i < 25; i++) {
        // Our nonces and tokens, of their usual lengths, and whatever else a cookie held, put in as it is.
        const ann = reader(
          i % 5 === 4
            ? { nonce: random(i), csrfToken: `${random(i * 3)}-${"t".repeat(i * 3_000)}` }
            : i % 5 === 3
              ? {}
              : { nonce: randomBytes(18).toString("base64"), csrfToken: randomBytes(24).toString("base64url") },
        );
        const body = (await cache.serve(ann))!.body;
        const plain = body.plain();
        expect(plain.toString(), `shape ${n}`).toBe(shape(ann.csrfToken, ann.nonce));
        expect(body.byteLength).toBe(plain.length);
        expect(gunzipSync(body.gzipped()).equals(plain), `shape ${n}, reader ${i}`).toBe(true);
      }
    }
  });

  it("keeps one page per language and renders each in its own language (ADR 049)", async () => {
    const { cache, renders, reader } = setUp();
    await cache.serve(reader());
    await cache.serve(reader({ locale: "ru", cookieHeader: "ff_csrf=signed; ff_lang=ru" }));
    await cache.serve(reader({ locale: "ru" }));
    await cache.serve(reader());
    expect(renders).toHaveLength(2);
    expect(renders.map((r) => /ff_lang=(\w+)/.exec(r.request.headers.get("cookie") ?? "")?.[1])).toEqual(["en", "ru"]);
  });

  it("renders once for readers who arrive together", async () => {
    const { cache, renders, reader, holdRenders, releaseRenders } = setUp();
    holdRenders();
    const pages = Array.from({ length: 20 }, () => cache.serve(reader()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    releaseRenders();
    const served = await Promise.all(pages);
    expect(renders).toHaveLength(1);
    expect(served.every((page) => page?.body.plain().toString().includes("render 1"))).toBe(true);
  });

  it("shows a change on the first request a second after the last render, and renders once however many changes came", async () => {
    const { cache, renders, reader, tick } = setUp();
    await cache.serve(reader());
    tick(1_500);
    for (let i = 0; i < 50; i++) cache.invalidate();
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 2");
    // Changes right after a render wait for the refresh interval: a flood of payments costs one render a second.
    cache.invalidate();
    tick(400);
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 2");
    tick(600);
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 3");
    expect(renders).toHaveLength(3);
  });

  it("serves the page as it was while renders fail, for up to a minute, then leaves readers to Remix", async () => {
    let failing = false;
    const { cache, renders, reader, tick } = setUp((n, token, nonce) =>
      failing ? new Error("database down") : { html: `<p nonce="${nonce}">render ${n} ${token}</p>` },
    );
    await cache.serve(reader());
    failing = true;
    tick(10_000);
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 1");
    await cache.settled();
    cache.invalidate();
    tick(49_999);
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 1");
    tick(1);
    expect(await cache.serve(reader())).toBeNull();
    expect(renders.length).toBe(4);
  });

  it("does not keep a render as fresh when a change arrived while it was rendering", async () => {
    const { cache, renders, reader, tick, holdRenders, releaseRenders } = setUp();
    holdRenders();
    const during = cache.serve(reader());
    await new Promise((resolve) => setTimeout(resolve, 5));
    cache.invalidate();
    releaseRenders();
    await during;
    tick(1_000);
    const next = cache.serve(reader());
    await new Promise((resolve) => setTimeout(resolve, 5));
    releaseRenders();
    expect((await next)!.body.plain().toString()).toContain("render 2");
    expect(renders).toHaveLength(2);
  });

  it("renders a page again after ten seconds even without a change (days left move with the clock), without making readers wait", async () => {
    const { cache, renders, reader, tick } = setUp();
    await cache.serve(reader());
    tick(9_999);
    await cache.serve(reader());
    expect(renders).toHaveLength(1);
    tick(1);
    // The reader who asks first gets the page as it was, and the page is rendered again meanwhile.
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 1");
    await cache.settled();
    expect((await cache.serve(reader()))!.body.plain().toString()).toContain("render 2");
  });

  it("leaves errors, redirects, failed renders and pages without the token to Remix, and keeps none of them", async () => {
    for (const made of [
      { status: 500, html: "oops" },
      { status: 404, html: "missing" },
      { status: 302, html: "" },
      new Error("database down"),
      { html: "<p>no form on this page</p>" },
    ]) {
      const { cache, renders, reader } = setUp(() => made);
      expect(await cache.serve(reader())).toBeNull();
      expect(await cache.serve(reader())).toBeNull();
      expect(renders).toHaveLength(2);
    }
  });

  it("serves only anonymous GETs of /, /support and /c/<slug>, without a query string", async () => {
    const { cache, renders, reader } = setUp();
    for (const url of ["/", "/support", "/c/winter-appeal"]) expect(await cache.serve(reader({ url }))).not.toBeNull();
    const passed = [
      reader({ method: "POST" }),
      reader({ method: "HEAD" }),
      reader({ url: "/?index" }),
      reader({ url: "/?_data=root" }),
      reader({ url: "/support?plan=print" }),
      reader({ url: "/account" }),
      reader({ url: "/admin" }),
      reader({ url: "/c/Winter" }),
      reader({ url: "/c/a/b" }),
      reader({ url: "/thanks" }),
      reader({ cookieHeader: "ff_csrf=x; ff_session=signed-in" }),
      reader({ cookieHeader: "ff_staff=staff" }),
    ];
    for (const request of passed) expect(await cache.serve(request), JSON.stringify(request)).toBeNull();
    expect(renders).toHaveLength(3);
  });

  it("keeps a bounded number of pages", async () => {
    const { cache, reader } = setUp();
    for (let i = 0; i < 10; i++) await cache.serve(reader({ url: `/c/campaign-${i}` }));
    expect(cache.counts().pages).toBe(3);
  });
});

describe("acceptsGzip", () => {
  it("reads Accept-Encoding as browsers and proxies send it", async () => {
    const { acceptsGzip } = await import("~/http/public-pages.server");
    expect(acceptsGzip("gzip, deflate, br, zstd")).toBe(true);
    expect(acceptsGzip("br;q=1.0, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip(["deflate", "gzip"])).toBe(true);
    expect(acceptsGzip("gzip;q=0, br")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("x-gzip")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
