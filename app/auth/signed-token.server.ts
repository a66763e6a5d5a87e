import { timingSafeEqual } from "node:crypto";
import type { z } from "zod";

/**
 * Opens a `<payload base64url>.<signature>` token that `sign` made: the signature compared in
 * constant time, then the payload's JSON checked against `schema`. Shared by the proof-of-work
 * challenge (ADR 011) and the waiting ticket (ADR 045), each with its own signing label.
 */
export function openSignedToken<T extends z.ZodTypeAny>(
  token: string,
  sign: (payload: string) => string,
  schema: T,
): { ok: true; data: z.output<T> } | { ok: false; reason: "malformed" | "forged" } {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "forged" };
  let parsed;
  try {
    parsed = schema.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    return { ok: false, reason: "forged" };
  }
  if (!parsed.success) return { ok: false, reason: "forged" };
  return { ok: true, data: parsed.data };
}
