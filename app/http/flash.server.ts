import { redirect } from "@remix-run/node";
import { z } from "zod";
import { signedCookie } from "~/auth/tokens.server";
import type { MessageKey } from "~/i18n/en";

/**
 * "Done" after a change: the action redirects with a one-time message in a signed cookie, and
 * the account layout reads it once (and clears it) on the page the redirect lands on (Epic
 * Stack's redirectWithToast). Only catalogue keys and short parameters travel in it, never
 * text from the request, so a forged or stale cookie can say nothing we did not write.
 */
const FLASH_KEYS = [
  "flash.amount",
  "flash.tier",
  "flash.pause",
  "flash.resume",
  "flash.cancel",
  "flash.keep",
  "flash.pending",
  "flash.card.saved",
  "flash.card.returned",
  "flash.profile.saved",
  "flash.profile.anonymous",
  "flash.email.sent",
  "flash.signedOut",
  "flash.signedOutEverywhere",
] as const satisfies readonly MessageKey[];

const FlashSchema = z.object({
  key: z.enum(FLASH_KEYS),
  params: z.record(z.string(), z.union([z.string().max(200), z.number()])).default({}),
});
export type Flash = z.infer<typeof FlashSchema>;

/** Long enough to survive the redirect; a message never read goes away by itself. */
const flashCookie = () => signedCookie("ff_flash", { maxAgeMs: 5 * 60_000 });

export function flashCookieHeader(flash: Flash): Promise<string> {
  return flashCookie().serialize(flash);
}

/** A 303 to `url` that shows `flash` there. `headers` may carry other cookies (sign-out). */
export async function redirectWithFlash(
  url: string,
  flash: Flash,
  headers: [string, string][] = [],
): Promise<Response> {
  const all = new Headers();
  for (const [name, value] of headers) all.append(name, value);
  all.append("Set-Cookie", await flashCookieHeader(flash));
  return redirect(url, { status: 303, headers: all });
}

/** The message waiting for this request, if any, and the header that clears it. */
export async function takeFlash(request: Request): Promise<{ flash: Flash | null; headers: Record<string, string> }> {
  const cookieHeader = request.headers.get("Cookie");
  if (!cookieHeader?.includes("ff_flash=")) return { flash: null, headers: {} };
  const parsed = FlashSchema.safeParse(await flashCookie().parse(cookieHeader));
  const clear = await flashCookie().serialize("", { maxAge: 0 });
  return { flash: parsed.success ? parsed.data : null, headers: { "Set-Cookie": clear } };
}
