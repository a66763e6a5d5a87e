import { randomFillSync } from "node:crypto";

/**
 * Fresh random bytes as text, for what every response needs (its CSP nonce, a new reader's CSRF
 * token). randomBytes asks the system's generator for every few bytes, which costs more than a
 * cached public page does (ADR 053); this asks it for 4 KiB at a time, as Node's randomUUID does,
 * and hands each byte out once. The bytes are the same generator's, so as unpredictable.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

export function randomText(bytes: number, encoding: "base64" | "base64url"): string {
  if (bytes > pool.length) throw new Error("randomText: at most 4096 bytes");
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString(encoding, used, used + bytes);
  // What was handed out is not kept in memory longer than it must be.
  pool.fill(0, used, used + bytes);
  used += bytes;
  return text;
}
