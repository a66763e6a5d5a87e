import type { DB } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { startSupporterSession } from "~/auth/supporter-auth.server";

/**
 * A signed-in supporter's browser: the session cookie and the CSRF cookie in one Cookie header,
 * and the token its forms carry.
 */
export async function signInAs(db: DB, supporterId: number) {
  const session = (await startSupporterSession(db, supporterId)).split(";")[0];
  const csrf = await issueCsrfToken(new Request("http://localhost:3000/account"));
  const csrfCookie = (new Headers(csrf.headers).get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${session}; ${csrfCookie}`, csrf: csrf.token, sessionCookie: session };
}
