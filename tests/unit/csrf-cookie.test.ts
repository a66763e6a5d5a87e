import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { csrfSetCookie, ensureCsrfCookie, isValidCsrf, newCsrfToken } from "~/auth/csrf.server";
import { signedCookie } from "~/auth/tokens.server";
import { resetEnvCache } from "~/env.server";
import { withPublicOrigin } from "~/origins.server";

/**
 * The CSRF cookie a new reader gets is written without Remix's cookie object (ADR 053, its
 * per-request work), but it must be the very cookie Remix's signed cookie writes: cookies given
 * before stay valid, and Remix's parse (which every loader and form check uses) reads ours.
 */

const ONION = `http://${"a2b3c4d5".repeat(7)}.onion`;
const remixCookie = () => signedCookie("ff_csrf");

const startEnv = { ...process.env };
afterEach(() => {
  for (const name of ["ONION_ORIGIN", "APP_URL", "SESSION_SECRET"]) {
    if (startEnv[name] === undefined) delete process.env[name];
    else process.env[name] = startEnv[name];
  }
  resetEnvCache();
});

function useEnv(vars: Record<string, string>) {
  Object.assign(process.env, vars);
  resetEnvCache();
}

/** A form post from our own page, with this Cookie header and this token in its csrf field. */
function post(cookieHeader: string, token: string) {
  const form = new FormData();
  form.set("csrf", token);
  const request = new Request("http://localhost:3000/?index", {
    method: "POST",
    headers: { Cookie: cookieHeader, Origin: "http://localhost:3000" },
  });
  return isValidCsrf(request, form);
}

const tokens = () => [
  newCsrfToken(),
  ...Array.from({ length: 40 }, (_, i) => randomBytes(1 + i).toString("base64url")),
  // Not tokens we make, but Remix would write them too: JSON escapes and bytes beyond ASCII.
  'a "quoted" \\ token',
  "жетон-токен",
];

describe("the CSRF cookie", () => {
  it("is, byte for byte, what Remix's signed cookie writes, Secure or not", async () => {
    const settings: [string, Record<string, string>][] = [
      ["http", { APP_URL: "http://localhost:3000", SESSION_SECRET: "one secret for the tests, long enough to sign" }],
      [
        "https",
        { APP_URL: "https://fund.example", SESSION_SECRET: "a secret longer than one SHA-256 block ".repeat(3) },
      ],
      ["onion", { APP_URL: "https://fund.example", ONION_ORIGIN: ONION }],
    ];
    for (const [name, vars] of settings) {
      useEnv(vars);
      const inContext = <T>(work: () => T) => (name === "onion" ? withPublicOrigin(ONION, work) : work());
      for (const token of tokens()) {
        const ours = inContext(() => csrfSetCookie(token));
        expect(ours, `${name}: ${token}`).toBe(await inContext(() => remixCookie().serialize(token)));
      }
      expect(inContext(() => csrfSetCookie("t")).includes("; Secure"), name).toBe(name === "https");
    }
  });

  it("a first visit's cookie is read by Remix's parse and passes the form check; Remix's own cookies are still read as before", async () => {
    for (let i = 0; i < 20; i++) {
      const first = ensureCsrfCookie({ path: "/", cookieHeader: undefined });
      // Nothing of the reader's to verify: answered at once, without a promise.
      expect(first).not.toBeInstanceOf(Promise);
      const { token, issued } = first as Exclude<typeof first, Promise<unknown> | null>;
      expect(issued).not.toBeNull();
      const cookieHeader = issued!.setCookie.split(";")[0]!;
      expect(issued!.cookieHeader).toBe(cookieHeader);
      expect(await remixCookie().parse(cookieHeader)).toBe(token);
      expect(await post(cookieHeader, token)).toBe(true);
      expect(await post(cookieHeader, newCsrfToken())).toBe(false);

      // A cookie Remix wrote (before this change) is the reader's token, nothing issued.
      const remixMade = (await remixCookie().serialize(newCsrfToken())).split(";")[0]!;
      const again = ensureCsrfCookie({ path: "/", cookieHeader: `ff_lang=ru; ${remixMade}` });
      expect(again).toBeInstanceOf(Promise);
      expect(await again).toEqual({ token: await remixCookie().parse(remixMade), issued: null });
      // So is one made here.
      expect(await ensureCsrfCookie({ path: "/support", cookieHeader })).toEqual({ token, issued: null });
    }
  });

  it("a forged, tampered or foreign cookie is replaced, the reader's other cookies kept", async () => {
    const genuine = csrfSetCookie(newCsrfToken()).split(";")[0]!;
    const [value, signature] = genuine.slice("ff_csrf=".length).split(".");
    const unsigned = `ff_csrf=${value}`;
    const tampered = `ff_csrf=${value}.${signature!.slice(0, -2)}AA`;
    const otherSecret = (await signedCookie("ff_other").serialize(newCsrfToken())).split(";")[0]!;
    useEnv({ SESSION_SECRET: "another secret altogether, long enough" });
    // Signed with this secret, but no token.
    const notAToken = csrfSetCookie("short").split(";")[0]!;
    for (const forged of [
      genuine,
      unsigned,
      tampered,
      otherSecret.replace("ff_other", "ff_csrf"),
      notAToken,
      "ff_csrf=x",
    ]) {
      const cookieHeader = `ff_lang=en; ${forged}; theme=dark`;
      const csrf = await ensureCsrfCookie({ path: "/", cookieHeader });
      expect(csrf!.issued, forged).not.toBeNull();
      expect(csrf!.issued!.cookieHeader).toBe(`ff_lang=en; theme=dark; ${csrf!.issued!.setCookie.split(";")[0]}`);
      expect(await remixCookie().parse(csrf!.issued!.cookieHeader)).toBe(csrf!.token);
    }
    // Machine endpoints get no cookie at all.
    expect(ensureCsrfCookie({ path: "/webhooks/stripe", cookieHeader: undefined })).toBeNull();
  });
});
