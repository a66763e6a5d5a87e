import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sessions } from "@db/schema";
import { createStaffUser, STAFF_SIGN_IN_LIMITS } from "~/auth/staff-auth.server";
import { t as translate } from "~/i18n/t";
import { action as signInAction, loader as signInLoader } from "~/routes/admin.sign-in";
import { useSeededDatabase } from "../support/database";
import { csrfFor, postForm } from "../support/remix";

/**
 * Password guessing from one client across many accounts: past the per-client limit the sign-in
 * page answers 429 with the limit message, even for the right password, and starts no session;
 * other clients are not affected. (The per-account limit: admin-access.test.ts.)
 */

const { t } = useSeededDatabase();

const PASSWORD = "a-long-limits-staff-password";
let staffUserId = 0;
beforeAll(async () => {
  staffUserId = await createStaffUser(t.db, { email: "limits.admin@fund.example", name: "Limits Admin", role: "admin", password: PASSWORD });
});

async function attempt(email: string, password: string, clientAddress: string) {
  const { cookie, token } = await csrfFor(signInLoader, "/admin/sign-in");
  return postForm(signInAction, "/admin/sign-in", { csrf: token, email, password, next: "/admin" }, { cookie, clientAddress });
}

const sessionsOf = async (id: number) => (await t.db.select({ n: count() }).from(sessions).where(eq(sessions.staffUserId, id)))[0].n;

describe("staff sign-in, limited per client", () => {
  it("one client guessing at many accounts is stopped with a 429 and the limit message, even with the right password", async () => {
    const guesser = "192.0.2.200";
    const { limit } = STAFF_SIGN_IN_LIMITS.perIp;
    const statuses: number[] = [];
    // A different account each time, so the per-account limit never answers first.
    for (let i = 0; i < limit; i++) statuses.push((await attempt(`guess.${i}@fund.example`, "not-the-password", guesser)).status);
    expect(statuses).toEqual(Array(limit).fill(401));

    const refused = await attempt("limits.admin@fund.example", PASSWORD, guesser);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Set-Cookie") ?? "").not.toMatch(/ff_staff=/);
    const body = (await refused.json()) as { formError: string; values: { email: string } };
    expect(body.formError).toBe(translate("error.rateLimited"));
    expect(body.values.email).toBe("limits.admin@fund.example");
    expect(await sessionsOf(staffUserId)).toBe(0);

    // Someone else, elsewhere, signs in as usual.
    const elsewhere = await attempt("limits.admin@fund.example", PASSWORD, "198.51.100.201");
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.get("Set-Cookie")).toMatch(/^ff_staff=/);
    expect(await sessionsOf(staffUserId)).toBe(1);
  });
});
