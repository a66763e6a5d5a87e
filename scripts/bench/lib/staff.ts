// Staff sign-in for benchmarks of admin pages.
import { BENCH_ADMIN } from "./env";

/** Signs the seeded benchmark admin in through the real form; returns the cookies a browser would hold. */
export async function signInBenchAdmin(origin: string): Promise<string> {
  const page = await fetch(`${origin}/admin/sign-in`);
  const csrfCookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error("no CSRF token on /admin/sign-in");
  const response = await fetch(`${origin}/admin/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie, origin },
    body: new URLSearchParams({ csrf, next: "/admin", email: BENCH_ADMIN.email, password: BENCH_ADMIN.password }),
  });
  const staffCookie = response.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (response.status !== 302 && response.status !== 303)
    throw new Error(`staff sign-in answered ${response.status}: is the database seeded by npm run bench:seed?`);
  return [csrfCookie, ...staffCookie].join("; ");
}
