import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rateLimits, sessions } from "@db/schema";
import { backoffDelaySeconds, claimBackoffAttempt } from "~/auth/rate-limit.server";
import { createStaffUser, signInStaff, STAFF_SIGN_IN_BACKOFF } from "~/auth/staff-auth.server";
import { t as translate } from "~/i18n/t";
import { action as signInAction, loader as signInLoader } from "~/routes/admin.sign-in";
import { useSeededDatabase } from "../support/database";
import { csrfFor, postForm } from "../support/remix";

/**
 * Staff sign-in slows guessing with growing delays per account and client, per client, and per
 * account across clients, instead of locking the account; the right password from a device that
 * signed in before gets in while the account is under attack from elsewhere.
 */

const { t } = useSeededDatabase();

const PASSWORD = "a-long-limits-staff-password";
const ids = { target: 0, other: 0 };
beforeAll(async () => {
  ids.target = await createStaffUser(t.db, {
    email: "limits.admin@fund.example",
    name: "Limits Admin",
    role: "admin",
    password: PASSWORD,
  });
  ids.other = await createStaffUser(t.db, {
    email: "limits.other@fund.example",
    name: "Limits Other",
    role: "staff",
    password: PASSWORD,
  });
});

async function attempt(email: string, password: string, clientAddress: string, deviceCookie = "") {
  const { cookie, token } = await csrfFor(signInLoader, "/admin/sign-in");
  return postForm(
    signInAction,
    "/admin/sign-in",
    { csrf: token, email, password, next: "/admin" },
    { cookie: [cookie, deviceCookie].filter(Boolean).join("; "), clientAddress },
  );
}

const sessionsOf = async (id: number) =>
  (await t.db.select({ n: count() }).from(sessions).where(eq(sessions.staffUserId, id)))[0].n;
const deviceCookieFrom = (response: Response) =>
  /ff_staff_device=[^;,]+/.exec(response.headers.get("Set-Cookie") ?? "")?.[0] ?? "";

describe("staff sign-in limits", () => {
  it("one client guessing at many accounts is slowed down with a 429, even with the right password; other clients are not", async () => {
    const guesser = "192.0.2.200";
    const { freeFailures } = STAFF_SIGN_IN_BACKOFF.perClient;
    const statuses: number[] = [];
    // A different account each time, so only the per-client counter adds up.
    for (let i = 0; i < freeFailures; i++)
      statuses.push((await attempt(`guess.${i}@fund.example`, "not-the-password", guesser)).status);
    expect(statuses).toEqual(Array(freeFailures).fill(401));

    const refused = await attempt("limits.admin@fund.example", PASSWORD, guesser);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe(
      String(backoffDelaySeconds(STAFF_SIGN_IN_BACKOFF.perClient, freeFailures)),
    );
    expect(refused.headers.get("Set-Cookie") ?? "").not.toMatch(/ff_staff=/);
    const body = (await refused.json()) as { formError: string; values: { email: string } };
    expect(body.formError).toBe(translate("error.rateLimited"));
    expect(body.values.email).toBe("limits.admin@fund.example");
    expect(await sessionsOf(ids.target)).toBe(0);

    const elsewhere = await attempt("limits.admin@fund.example", PASSWORD, "198.51.100.201");
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.get("Set-Cookie")).toMatch(/^ff_staff=/);
    expect(deviceCookieFrom(elsewhere)).toMatch(/^ff_staff_device=/);
    expect(await sessionsOf(ids.target)).toBe(1);
  });

  it("delays grow per account and client (1 s, 2 s, 4 s … after 3 free failures), and the right password after the wait gets in: no lock", async () => {
    const rule = STAFF_SIGN_IN_BACKOFF.perAccountAndClient;
    const start = new Date(Date.now() + 60_000);
    const at = (ms: number) => new Date(start.getTime() + ms);
    const tryAt = (password: string, ms: number, email = "limits.other@fund.example") =>
      signInStaff(t.db, { email, password, clientAddress: "203.0.113.77", now: at(ms) });
    for (let i = 0; i < rule.freeFailures; i++) expect((await tryAt("wrong", 0)).status).toBe("invalid");
    expect(await tryAt(PASSWORD, 0)).toEqual({ status: "rate_limited", retryAfterSeconds: 1 });
    expect((await tryAt("wrong", 1000)).status).toBe("invalid");
    expect(await tryAt(PASSWORD, 1000 + 1999)).toEqual({ status: "rate_limited", retryAfterSeconds: 1 });
    expect((await tryAt("wrong", 3000)).status).toBe("invalid");
    expect(await tryAt(PASSWORD, 3000)).toEqual({ status: "rate_limited", retryAfterSeconds: 4 });
    // The ceiling is a wait, not a lock: the right password after it signs in, and the pair's count starts again.
    expect((await tryAt(PASSWORD, 7000)).status).toBe("ok");
    expect((await tryAt("wrong", 7000)).status).toBe("invalid");
    expect(backoffDelaySeconds(rule, 1000)).toBe(rule.maxDelaySeconds);
  });

  it("while many addresses guess at an account, the right password from a known device still gets in; a new client waits", async () => {
    const first = await attempt("limits.admin@fund.example", PASSWORD, "198.51.100.10");
    expect(first.status).toBe(303);
    const device = deviceCookieFrom(first);
    expect(device).toMatch(/^ff_staff_device=/);

    // A few real failures from other addresses, then the rest of the per-account allowance as the
    // counted attempts failures leave behind (each one costs an argon2 verification otherwise).
    const { perAccount, perAccountAndClient, perClient } = STAFF_SIGN_IN_BACKOFF;
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await signInStaff(t.db, {
            email: "limits.admin@fund.example",
            password: `guess-${i}`,
            clientAddress: `10.1.0.${i}`,
          })
        ).status,
      ).toBe("invalid");
    }
    for (let i = 3; i < perAccount.freeFailures; i++) {
      const clientAddress = `10.1.0.${i}`;
      const counters = [
        { rule: perAccountAndClient, subject: `limits.admin@fund.example\n${clientAddress}` },
        { rule: perClient, subject: clientAddress },
        { rule: perAccount, subject: "limits.admin@fund.example" },
      ];
      expect(await claimBackoffAttempt(t.db, counters)).toEqual({ allowed: true });
    }
    // A new client, even with the right password, is asked to wait…
    expect((await attempt("limits.admin@fund.example", PASSWORD, "198.51.100.11")).status).toBe(429);
    // …another person's device cookie, or an altered one, does not make it known…
    const othersDevice = deviceCookieFrom(await attempt("limits.other@fund.example", PASSWORD, "198.51.100.12"));
    expect(othersDevice).not.toBe("");
    expect((await attempt("limits.admin@fund.example", PASSWORD, "198.51.100.11", othersDevice)).status).toBe(429);
    expect(
      (
        await attempt(
          "limits.admin@fund.example",
          PASSWORD,
          "198.51.100.11",
          device.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
        )
      ).status,
    ).toBe(429);
    // …but the person's own device gets in, from wherever it is now.
    const known = await attempt("limits.admin@fund.example", PASSWORD, "203.0.113.99", device);
    expect(known.status).toBe(303);
    expect(known.headers.get("Set-Cookie")).toMatch(/^ff_staff=/);
  });

  it("keeps no email or address in the rate-limit table", async () => {
    const keys = (await t.db.select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key).join(" ");
    expect(keys).toContain("staff-sign-in-account:");
    expect(keys).not.toMatch(/@|198\.51|192\.0|203\.0|10\.1\./);
  });
});
