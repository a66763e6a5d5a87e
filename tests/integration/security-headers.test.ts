import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffAccount, noJsBrowser, startAppServer, type AppServer } from "../support/browser";

/**
 * The built app behind server.mjs, as browsers and Stripe meet it: every kind of response carries
 * the security headers (ADR 010), the same ones whichever way in answered it (ADR 041), each
 * page's scripts carry that response's own CSP nonce, and a browser without a CSRF cookie gets
 * exactly one, before any loader runs.
 */

const METRICS_TOKEN = "metrics-token-for-the-headers-test";
const ADMIN = {
  email: "headers-admin@fund.example",
  name: "Headers Admin",
  role: "admin" as const,
  password: "a-long-headers-password",
};

let server: AppServer;
let stripeServer: AppServer;
beforeAll(async () => {
  [server, stripeServer] = await Promise.all([
    startAppServer({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, ADMIN), env: { METRICS_TOKEN } }),
    // Stripe mode behind a public https address (no call to Stripe is made: only headers are read).
    startAppServer({
      env: {
        STRIPE_SECRET_KEY: "sk_test_headers",
        STRIPE_WEBHOOK_SECRET: "whsec_headers",
        APP_URL: "https://give.example.org",
      },
    }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([server?.stop(), stripeServer?.stop()]);
});

const browser = (app: () => AppServer) => noJsBrowser(() => app().origin);

const nonceOf = (response: Response) =>
  /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1];
const csrfInputs = (html: string) => [...html.matchAll(/<input[^>]*name="csrf"[^>]*value="([^"]*)"/g)].map((m) => m[1]);

/** The headers every response must carry, whatever it is. */
function expectSecurityHeaders(
  response: Response,
  what: string,
  { formAction = "'self'", referrer = "same-origin", hsts = false } = {},
) {
  const h = (name: string) => response.headers.get(name);
  const csp = h("Content-Security-Policy") ?? "";
  const directives = Object.fromEntries(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values.join(" ")]),
  );
  expect(directives, `${what}: Content-Security-Policy`).toMatchObject({
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": formAction,
    "connect-src": "'self'",
  });
  expect(directives["script-src"], `${what}: script-src`).toMatch(/^'self' 'nonce-[A-Za-z0-9+/=]{16,}'$/);
  // Only our own origin and the nonce: no third party, no inline scripts, no eval.
  expect(csp, what).not.toMatch(/https?:\/\/(?!checkout\.stripe\.com|billing\.stripe\.com)|'unsafe-eval'|\*/);
  expect(
    {
      "X-Content-Type-Options": h("X-Content-Type-Options"),
      "X-Frame-Options": h("X-Frame-Options"),
      "Referrer-Policy": h("Referrer-Policy"),
      "Cross-Origin-Opener-Policy": h("Cross-Origin-Opener-Policy"),
      "Strict-Transport-Security": h("Strict-Transport-Security"),
    },
    what,
  ).toEqual({
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": referrer,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": hsts ? "max-age=31536000" : null,
  });
  const permissions = h("Permissions-Policy") ?? "";
  for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"])
    expect(permissions, `${what}: Permissions-Policy`).toContain(`${feature}=()`);
}

describe("security headers", () => {
  it("are on every kind of response: page, redirect, 404, JSON, CSV, webhook, health check, static file", async () => {
    const admin = browser(() => server);
    const signInPage = await admin.request("/admin/sign-in");
    const signedIn = await admin.request("/admin/sign-in", {
      form: {
        csrf: csrfInputs(await signInPage.text())[0],
        email: ADMIN.email,
        password: ADMIN.password,
        next: "/admin",
      },
    });
    expect(signedIn.status, "the admin signs in").toBe(303);

    const anonymous = browser(() => server);
    const page = await anonymous.request("/");
    const html = await page.text();
    const stylesheet = /<link rel="stylesheet" href="(\/build\/[^"]+\.css)"/.exec(html)?.[1];
    expect(stylesheet, "the page links its stylesheet").toBeDefined();

    const responses: Record<string, { response: Response; status: number; type: RegExp }> = {};
    const record = async (what: string, response: Promise<Response>, status: number, type: RegExp) => {
      responses[what] = { response: await response, status, type };
    };
    responses.page = { response: page, status: 200, type: /^text\/html/ };
    await record("redirect", anonymous.request("/account"), 303, /.*/);
    await record("not found", anonymous.request("/no-such-page"), 404, /^text\/html/);
    await record("Remix data request", anonymous.request("/?_data=root"), 200, /^application\/json/);
    await record("JSON resource route", anonymous.request("/webhooks/stripe"), 405, /^application\/json/);
    await record("health check", anonymous.request("/healthz"), 200, /^application\/json/);
    await record("static file", anonymous.request(stylesheet!), 200, /^text\/css/);
    await record("CSV export", admin.request("/admin/exports/supporters.csv"), 200, /^text\/csv/);
    await record(
      "webhook (simulated mode)",
      anonymous.request("/webhooks/stripe", { method: "POST" }),
      404,
      /^application\/json/,
    );
    await record(
      "form post refused",
      anonymous.request("/account/sign-in", { form: { email: "someone@example.net" } }),
      403,
      /^application\/json|^text\/html/,
    );

    for (const [what, { response, status, type }] of Object.entries(responses)) {
      expect(response.status, what).toBe(status);
      expect(response.headers.get("Content-Type") ?? "", what).toMatch(type);
      expectSecurityHeaders(response, what);
    }
  });

  it("are the same on every way in: Remix, the cached pages, the webhook, static files, the refusals, /metrics", async () => {
    const reader = browser(() => server);
    const remixPage = await reader.request("/account/sign-in");
    const stylesheet = /<link rel="stylesheet" href="(\/build\/[^"]+\.css)"/.exec(await remixPage.clone().text())?.[1];
    // A first visit to a public page is answered from memory (ADR 021), in front of Express.
    const cachedPage = await fetch(new URL("/support", server.origin), { headers: { "Accept-Encoding": "gzip" } });
    const paths: [string, Response, number][] = [
      ["Remix page", remixPage, 200],
      ["cached public page", cachedPage, 200],
      ["webhook endpoint (in front of Express)", await reader.request("/webhooks/stripe", { method: "POST" }), 404],
      ["static asset (built)", await reader.request(stylesheet!), 200],
      ["static file (public/)", await reader.request("/favicon.ico"), 200],
      ["404", await reader.request("/no-such-page"), 404],
      [
        "405 (TRACE, before anything reads the request)",
        await rawRequest(server.origin, "/", { method: "TRACE" }),
        405,
      ],
      [
        "413 (declared, before anything reads the body)",
        await rawRequest(server.origin, "/account/sign-in", {
          method: "POST",
          headers: { "Content-Length": String(1024 * 1024) },
        }),
        413,
      ],
      [
        "413 (counted, as Express reads the body)",
        await rawRequest(server.origin, "/account/sign-in", {
          method: "POST",
          headers: { "Transfer-Encoding": "chunked" },
          stream: true,
        }),
        413,
      ],
      [
        "403 (a form from another site)",
        await fetch(new URL("/account/sign-in", server.origin), {
          method: "POST",
          headers: { Origin: "https://evil.example" },
          body: "x=1",
        }),
        403,
      ],
      [
        "/metrics",
        await fetch(new URL("/metrics", server.origin), { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } }),
        200,
      ],
    ];
    expect(cachedPage.headers.get("Content-Encoding"), "the cached page came gzipped from memory").toBe("gzip");
    const securityHeaderNames = [
      "Content-Security-Policy",
      "X-Content-Type-Options",
      "X-Frame-Options",
      "Referrer-Policy",
      "Cross-Origin-Opener-Policy",
      "Permissions-Policy",
      "Strict-Transport-Security",
    ];
    const shared = (response: Response) =>
      Object.fromEntries(
        securityHeaderNames.map((name) => [
          name,
          response.headers.get(name)?.replace(/'nonce-[^']+'/, "'nonce-…'") ?? null,
        ]),
      );
    const first = shared(remixPage);
    for (const [what, response, status] of paths) {
      expect(response.status, what).toBe(status);
      expectSecurityHeaders(response, what);
      expect(shared(response), `${what}: the same headers as a Remix page`).toEqual(first);
      expect(response.headers.get("X-Request-Id"), `${what}: a request id`).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
    }
  });

  it("a page whose loader asks for no-store gets it, though its route exports no headers", async () => {
    const response = await browser(() => server).request("/pay/not-a-real-token-but-long-enough");
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expectSecurityHeaders(response, "/pay/<token>");
    expect(response.headers.get("Cache-Control")).toMatch(/\bno-store\b/);
  });

  it("a form posted from another site is refused before Remix with a 403 that says so, never a 500", async () => {
    const forged: Record<string, string>[] = [
      { Origin: "https://evil.example" },
      { Origin: "null" },
      { "Sec-Fetch-Site": "cross-site" },
    ];
    for (const headers of forged) {
      const response = await fetch(new URL("/account/sign-in", server.origin), {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: "email=someone%40example.net",
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toMatch(/sent from another website/);
      expectSecurityHeaders(response, `cross-site post ${JSON.stringify(headers)}`);
    }
    expect(server.output()).not.toMatch(/does not match `origin` header/);
  });

  it("gives every page its own nonce, carried by each of its scripts", async () => {
    const reader = browser(() => server);
    const seen = new Set<string>();
    for (const path of ["/", "/", "/support", "/account/sign-in"]) {
      const response = await reader.request(path);
      const nonce = nonceOf(response);
      expect(nonce, path).toBeDefined();
      expect(seen.has(nonce!), `${path} reuses a nonce`).toBe(false);
      seen.add(nonce!);
      const scripts = [...(await response.text()).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      // Remix's scripts, or on the campaign page its one script of its own (ADR 019).
      expect(scripts.length, `${path} has its scripts`).toBeGreaterThanOrEqual(path === "/" ? 1 : 2);
      for (const tag of scripts) expect(tag, path).toContain(` nonce="${nonce}"`);
    }
  });

  it("in Stripe mode behind https: HSTS, Secure cookies, Stripe's hosted pages as form targets and a signature-checked webhook", async () => {
    const reader = browser(() => stripeServer);
    const page = await reader.request("/");
    expect(page.status).toBe(200);
    const stripe = { formAction: "'self' https://checkout.stripe.com https://billing.stripe.com", hsts: true };
    expectSecurityHeaders(page, "page", stripe);
    expect(page.headers.getSetCookie().find((c) => c.startsWith("ff_csrf="))).toMatch(/; Secure/i);

    const webhook = await reader.request("/webhooks/stripe", { method: "POST" });
    expect(webhook.status).toBe(400);
    expectSecurityHeaders(webhook, "webhook", stripe);
  });

  it("the webhook, answered in front of Express (ADR 026), refuses oversized and unsigned bodies as the Remix route does", async () => {
    const url = `${stripeServer.origin}/webhooks/stripe`;
    const unsigned = await fetch(`${url}?from=stripe`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect({ status: unsigned.status, body: await unsigned.json() }).toEqual({
      status: 400,
      body: { error: "missing Stripe-Signature header" },
    });
    const forged = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00" },
      body: "{}",
    });
    expect({ status: forged.status, body: await forged.json() }).toEqual({
      status: 400,
      body: { error: "invalid signature" },
    });
    expect(forged.headers.get("Content-Type")).toBe("application/json; charset=utf-8");

    // The server answers 413 and closes before the body has all been sent, so the body goes out
    // a piece at a time until the answer comes (a client writing on regardless gets EPIPE).
    const declared = await postUntilAnswered(url, {
      "Content-Length": String(300 * 1024),
      "Stripe-Signature": "t=1,v1=00",
    });
    expect(declared).toMatchObject({ status: 413, body: { error: "payload too large" }, connection: "close" });
    // Without a Content-Length (chunked), the bytes are counted as they arrive.
    const streamed = await postUntilAnswered(url, { "Transfer-Encoding": "chunked", "Stripe-Signature": "t=1,v1=00" });
    expect(streamed).toMatchObject({ status: 413, body: { error: "payload too large" }, connection: "close" });
    expect(streamed.sent).toBeGreaterThan(256 * 1024);
    expectSecurityHeaders(streamed.response, "webhook 413", {
      formAction: "'self' https://checkout.stripe.com https://billing.stripe.com",
      hsts: true,
    });

    // Other methods go on to the Remix route.
    const get = await fetch(url);
    expect({ status: get.status, allow: get.headers.get("Allow") }).toEqual({ status: 405, allow: "POST" });
  });
});

describe("the CSRF cookie, issued before Remix runs", () => {
  it("a first visit gets one cookie, and every form of the page carries its token", async () => {
    const reader = browser(() => server);
    const response = await reader.request("/");
    const issued = response.headers.getSetCookie().filter((c) => c.startsWith("ff_csrf="));
    expect(issued).toHaveLength(1);
    const tokens = csrfInputs(await response.text());
    expect(tokens.length).toBeGreaterThan(0);
    // The token is the cookie's signed value: a post with both goes through the CSRF check.
    const given = await reader.request("/?index", {
      form: { csrf: tokens[0], frequency: "once", amount: "2500", email: "headers.reader@example.net" },
    });
    expect(given.status).toBe(303);
  });

  it("a signed-in admin whose browser lost the CSRF cookie can sign out at the first try", async () => {
    const admin = browser(() => server);
    const signInPage = await admin.request("/admin/sign-in");
    await admin.request("/admin/sign-in", {
      form: {
        csrf: csrfInputs(await signInPage.text())[0],
        email: ADMIN.email,
        password: ADMIN.password,
        next: "/admin",
      },
    });
    expect(admin.jar.has("ff_staff")).toBe(true);
    // The CSRF cookie lasts as long as the browser session; the staff session outlives it.
    admin.jar.delete("ff_csrf");

    // The layout (Sign out) and the page (its own forms) both ask for a token on this one visit.
    const page = await admin.request("/admin/staff");
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().filter((c) => c.startsWith("ff_csrf="))).toHaveLength(1);
    const tokens = new Set(csrfInputs(await page.text()));
    expect(tokens.size, "the layout's and the page's forms carry one token").toBe(1);

    const signedOut = await admin.request("/admin/sign-out", { form: { csrf: [...tokens][0] } });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("Location")).toBe("/admin/sign-in");
  });

  it("a forged or stale CSRF cookie is replaced, not trusted", async () => {
    const reader = browser(() => server);
    reader.jar.set("ff_csrf", "forged-value-that-is-not-signed-by-us-at-all");
    const response = await reader.request("/support");
    const issued = response.headers.getSetCookie().filter((c) => c.startsWith("ff_csrf="));
    expect(issued).toHaveLength(1);
    expect(reader.jar.get("ff_csrf")).not.toBe("forged-value-that-is-not-signed-by-us-at-all");
  });

  it("machines (webhooks, health checks) get no cookie", async () => {
    const reader = browser(() => server);
    expect((await reader.request("/healthz")).headers.getSetCookie()).toEqual([]);
    expect((await reader.request("/webhooks/stripe", { method: "POST" })).headers.getSetCookie()).toEqual([]);
  });
});

describe("the appeal block and the progress images (ADR 044)", () => {
  const SLUG = "fighting-fund-2026";
  const frameAncestors = (response: Response) =>
    /(?:^|; )frame-ancestors ([^;]+)/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1];

  it("only /embed/* may be framed, by exactly the origins an admin saved; it and the images set no cookie", async () => {
    const admin = browser(() => server);
    const signInPage = await admin.request("/admin/sign-in");
    await admin.request("/admin/sign-in", {
      form: {
        csrf: csrfInputs(await signInPage.text())[0],
        email: ADMIN.email,
        password: ADMIN.password,
        next: "/admin",
      },
    });
    const saveOrigins = async (embedOrigins: string) => {
      const form = await admin.request("/admin/settings");
      const saved = await admin.request("/admin/settings", {
        form: {
          csrf: csrfInputs(await form.text())[0],
          firstPrintEditionDays: "7",
          giftsTaxDeductible: "not_stated",
          embedOrigins,
        },
      });
      expect(saved.status, "the settings are saved").toBe(303);
    };

    // Nothing allowed yet: framed by no one, as every page.
    const before = await browser(() => server).request(`/embed/${SLUG}`);
    expect(before.status).toBe(200);
    expect(frameAncestors(before)).toBe("'none'");
    expect(before.headers.get("X-Frame-Options")).toBe("DENY");

    await saveOrigins("https://news.example.org\nhttps://www.news.example.org");
    const reader = browser(() => server);
    const embed = await reader.request(`/embed/${SLUG}`);
    expect(embed.status).toBe(200);
    expect(frameAncestors(embed)).toBe("https://news.example.org https://www.news.example.org");
    expect(embed.headers.get("X-Frame-Options"), "X-Frame-Options has no 'allow these'").toBeNull();
    expect(embed.headers.get("Cache-Control")).toBe("public, max-age=60");
    const html = await embed.text();
    expect(html).toMatch(/<form method="get" action="\/c\/fighting-fund-2026#donate-heading" target="_top"/);
    // No script from the build (no React on someone else's article), only the height's, with the nonce.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual([`<script nonce="${nonceOf(embed)}">`]);
    expect(html).not.toMatch(/modulepreload|\/build\/[^"]+\.js/);

    const images = {
      svg: await reader.request(`/c/${SLUG}/progress.svg`),
      png: await reader.request(`/c/${SLUG}/progress.png`),
    };
    expect(images.svg.headers.get("Content-Type")).toBe("image/svg+xml; charset=utf-8");
    expect(images.png.headers.get("Content-Type")).toBe("image/png");
    for (const image of Object.values(images)) {
      expect(image.status).toBe(200);
      expect(image.headers.get("Cache-Control")).toBe("public, max-age=300");
      expect(image.headers.get("ETag")).toMatch(/^"(svg|png)-/);
    }
    expect(reader.setCookies, "a reader who only sees the block and the images gets no cookie").toEqual([]);

    // Everything else stays framed by no one, whatever the setting.
    for (const path of [
      "/",
      `/c/${SLUG}`,
      "/support",
      "/account/sign-in",
      "/no-such-page",
      `/c/${SLUG}/progress.svg`,
    ]) {
      const response = await browser(() => server).request(path);
      expect(frameAncestors(response), path).toBe("'none'");
      expect(response.headers.get("X-Frame-Options"), path).toBe("DENY");
    }
    await saveOrigins("");
    expect(frameAncestors(await reader.request(`/embed/${SLUG}`))).toBe("'none'");
  });

  it("campaign pages carry Open Graph tags whose image is the live PNG, at an absolute address", async () => {
    const html = await (await browser(() => server).request(`/c/${SLUG}`)).text();
    const meta = (property: string) =>
      new RegExp(`<meta (?:property|name)="${property}" content="([^"]*)"`).exec(html)?.[1];
    expect(meta("og:title")).toBe("Fighting Fund 2026");
    expect(meta("og:url")).toBe(`${server.origin.replace("127.0.0.1", "localhost")}/c/${SLUG}`);
    expect(meta("og:image")).toBe(`${server.origin.replace("127.0.0.1", "localhost")}/c/${SLUG}/progress.png`);
    expect(meta("twitter:card")).toBe("summary_large_image");
    const image = await fetch(new URL(`/c/${SLUG}/progress.png`, server.origin));
    expect(image.headers.get("Content-Type")).toBe("image/png");
  });
});

/**
 * POSTs 10 KB pieces (up to 300 KB) until the server answers; the answer, how much was sent, and
 * the answer as a fetch Response for the header checks. Errors after the answer (the server
 * closing on the rest of the body) are expected and ignored.
 */
function postUntilAnswered(url: string, headers: Record<string, string>) {
  return new Promise<{
    status: number;
    body: unknown;
    connection: string | undefined;
    sent: number;
    response: Response;
  }>((resolve, reject) => {
    let answered = false;
    let sent = 0;
    const request = http.request(url, { method: "POST", headers }, (response) => {
      answered = true;
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        const fetchHeaders = new Headers(
          Object.entries(response.headers).map(([name, value]) => [name, String(value)] as [string, string]),
        );
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(text),
          connection: response.headers.connection,
          sent,
          response: new Response(text, { status: response.statusCode, headers: fetchHeaders }),
        });
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const piece = "x".repeat(10 * 1024);
    const next = () => {
      if (answered || sent >= 300 * 1024) return void (answered || request.end());
      sent += piece.length;
      request.write(piece, () => setTimeout(next, 1));
    };
    request.flushHeaders();
    next();
  });
}

/**
 * A request fetch() will not make (TRACE, a Content-Length it does not send) as a fetch Response.
 * With `stream`, 10 KB pieces go out until the server answers (it refuses before the end).
 */
function rawRequest(
  origin: string,
  path: string,
  { method, headers = {}, stream = false }: { method: string; headers?: Record<string, string>; stream?: boolean },
) {
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    const request = http.request(new URL(path, origin), { method, headers }, (response) => {
      answered = true;
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        const fetchHeaders = new Headers(
          Object.entries(response.headers).map(([name, value]) => [name, String(value)] as [string, string]),
        );
        resolve(new Response(text, { status: response.statusCode, headers: fetchHeaders }));
        request.destroy();
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.flushHeaders();
    if (!stream) return;
    const piece = "x".repeat(10 * 1024);
    let sent = 0;
    const next = () => {
      if (answered || sent >= 1024 * 1024) return void (answered || request.end());
      sent += piece.length;
      request.write(piece, () => setTimeout(next, 1));
    };
    next();
  });
}
