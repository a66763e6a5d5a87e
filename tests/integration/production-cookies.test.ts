import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@db/client.server";
import { supporters } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { createLoginLink, SIGN_IN_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { noJsBrowser, startAppServer, type AppServer } from "../support/browser";

/**
 * The real server as deployed: NODE_ENV=production behind an https address. Every cookie it sets
 * (the staff session, the supporter session and the CSRF cookie) is Secure, HttpOnly and
 * SameSite=Lax, and every response asks browsers to keep to https (HSTS). The development-mode
 * server and Stripe mode's headers: security-headers.test.ts.
 */

const PUBLIC_URL = "https://give.example.org";
const STAFF = { email: "prod-cookies@fund.example", password: "a-long-production-cookie-password" };
const SUPPORTER_EMAIL = "prod.cookies.reader@example.net";
let loginToken = "";

let server: AppServer;
beforeAll(async () => {
  server = await startAppServer({
    env: {
      NODE_ENV: "production",
      DEMO_MODE: "true",
      APP_URL: PUBLIC_URL,
      SESSION_SECRET: "a-production-session-secret-for-this-test-only",
    },
    // The server's own database, before it starts: a staff account, and a supporter with a sign-in link.
    prepare: async (databaseEnv) => {
      const handle = await openDatabase({ url: databaseEnv.DATABASE_URL, dataDir: databaseEnv.PGLITE_DATA_DIR });
      try {
        await createStaffUser(handle.db, {
          email: STAFF.email,
          name: "Production Admin",
          role: "admin",
          password: STAFF.password,
        });
        const [reader] = await handle.db
          .insert(supporters)
          .values({ email: SUPPORTER_EMAIL, name: "Prod Reader" })
          .returning({ id: supporters.id });
        const url = await createLoginLink(handle.db, {
          supporterId: reader.id,
          email: SUPPORTER_EMAIL,
          purpose: "sign_in",
          ttlMs: SIGN_IN_LINK_TTL_MS,
        });
        loginToken = url.slice(url.lastIndexOf("/") + 1);
      } finally {
        await handle.close();
      }
    },
  });
}, 120_000);
afterAll(() => server?.stop());

const browser = () => noJsBrowser(() => server.origin);

const csrfOf = (html: string) => /<input[^>]*name="csrf"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? "";
const cookieNamed = (setCookies: string[], name: string) =>
  setCookies.find((c) => c.startsWith(`${name}=`) && !/Max-Age=0/i.test(c));

/** The attributes of one Set-Cookie header, lower-cased, without the name=value pair. */
function attributesOf(setCookie: string | undefined) {
  expect(setCookie, "the cookie was set").toBeDefined();
  const parts = setCookie!
    .split(";")
    .slice(1)
    .map((p) => p.trim().toLowerCase());
  return {
    secure: parts.includes("secure"),
    httpOnly: parts.includes("httponly"),
    sameSite: parts.find((p) => p.startsWith("samesite="))?.slice("samesite=".length),
  };
}

const HSTS = "max-age=31536000";

describe("cookies and HSTS in production", () => {
  it("the CSRF and staff session cookies are Secure, HttpOnly and SameSite=Lax; every response carries HSTS", async () => {
    const admin = browser();
    const page = await admin.request("/admin/sign-in");
    expect(page.status).toBe(200);
    expect(page.headers.get("Strict-Transport-Security")).toBe(HSTS);
    expect(attributesOf(cookieNamed(admin.setCookies, "ff_csrf"))).toEqual({
      secure: true,
      httpOnly: true,
      sameSite: "lax",
    });

    const signedIn = await admin.request("/admin/sign-in", {
      form: { csrf: csrfOf(await page.text()), email: STAFF.email, password: STAFF.password, next: "/admin" },
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Strict-Transport-Security")).toBe(HSTS);
    expect(attributesOf(cookieNamed(admin.setCookies, "ff_staff"))).toEqual({
      secure: true,
      httpOnly: true,
      sameSite: "lax",
    });

    // The session works: the admin home answers instead of sending back to sign in.
    const home = await admin.request("/admin");
    expect(home.status).toBe(200);
    expect(home.headers.get("Strict-Transport-Security")).toBe(HSTS);
  });

  it("the supporter session cookie is Secure, HttpOnly and SameSite=Lax", async () => {
    const reader = browser();
    const page = await reader.request(`/account/auth/${loginToken}`);
    expect(page.status).toBe(200);
    const signedIn = await reader.request(`/account/auth/${loginToken}`, { form: { csrf: csrfOf(await page.text()) } });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Location")).toBe("/account");
    expect(signedIn.headers.get("Strict-Transport-Security")).toBe(HSTS);
    expect(attributesOf(cookieNamed(reader.setCookies, "ff_session"))).toEqual({
      secure: true,
      httpOnly: true,
      sameSite: "lax",
    });
    expect((await reader.request("/account")).status).toBe(200);
  });

  it("HSTS is on static files, redirects and machine endpoints too", async () => {
    const visitor = browser();
    // Proof that this is production mode: the development mailbox does not exist.
    expect((await visitor.request("/dev/mailbox")).status).toBe(404);
    const asset = readdirSync(path.resolve(__dirname, "../../public/build")).find((f) => f.endsWith(".js"));
    for (const urlPath of ["/healthz", "/account", `/build/${asset}`, "/no-such-page"]) {
      const response = await visitor.request(urlPath);
      expect(response.headers.get("Strict-Transport-Security"), `${urlPath} (${response.status})`).toBe(HSTS);
    }
  });
});
