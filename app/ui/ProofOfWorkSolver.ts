/**
 * The browser's half of the checkout proof of work (app/auth/pow.server.ts has the server's):
 * find a nonce such that SHA-256("<challenge>:<nonce>") starts with `difficulty` zero bits, and
 * send it back in the form. Plain functions with no server imports and no React, so the React
 * form on /support, the campaign page's own script and the server's tests share them.
 */

/** What the browser gets: the opaque challenge to hash, and what it needs to show progress. */
export type PowChallenge = { challenge: string; difficulty: number; expiresAt: string };

/** The number of leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** What the challenge and nonce are hashed as, on both sides. */
export const powInput = (challenge: string, nonce: number | string) => `${challenge}:${nonce}`;

/**
 * The chance that a solution would have turned up within `tries` hashes: an honest progress
 * measure for a search whose length is luck (it reaches ~63% at the expected 2^difficulty).
 */
export const powProgress = (tries: number, difficulty: number) => 1 - Math.exp(-tries / 2 ** difficulty);

// Hashes per await: WebCrypto digests are asynchronous, and batching them lets the browser work
// through them in parallel.
const BATCH = 256;
// Resolved digests alone never let the page paint: every so often, give it a turn.
const SLICE_MS = 50;
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Searches with WebCrypto (the browser's, or Node's in tests). Resolves with the nonce, or null
 * when stopped or after `maxTries`.
 */
export async function solveWithWebCrypto(
  challenge: string,
  difficulty: number,
  {
    onProgress,
    signal,
    maxTries = 2 ** 32,
  }: { onProgress?: (tries: number) => void; signal?: AbortSignal; maxTries?: number } = {},
): Promise<string | null> {
  const encoder = new TextEncoder();
  let sliceStarted = Date.now();
  for (let start = 0; start < maxTries; start += BATCH) {
    if (Date.now() - sliceStarted >= SLICE_MS) {
      await nextTurn();
      sliceStarted = Date.now();
    }
    if (signal?.aborted) return null;
    const digests = await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        crypto.subtle.digest("SHA-256", encoder.encode(powInput(challenge, start + i))),
      ),
    );
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= difficulty);
    if (found >= 0) return String(start + found);
    onProgress?.(start + BATCH);
  }
  return null;
}

/** The hidden fields a solution travels in. */
const SOLUTION_FIELDS = ["powChallenge", "powNonce"] as const;

/**
 * A page sends a form again by itself at most this many times in a row; after that the person
 * decides (a connection whose address keeps changing would otherwise loop).
 */
export const MAX_AUTOMATIC_SUBMITS = 3;

/** Removes an earlier solution, which must not ride along with the next submission. */
export function clearSolution(form: HTMLFormElement) {
  for (const name of SOLUTION_FIELDS) form.querySelector(`input[type=hidden][name=${name}]`)?.remove();
}

/** Puts a solution in the form's hidden fields, ready to be sent. */
export function putSolution(form: HTMLFormElement, challenge: string, nonce: string) {
  const values = { powChallenge: challenge, powNonce: nonce };
  for (const name of SOLUTION_FIELDS) {
    let input = form.querySelector<HTMLInputElement>(`input[type=hidden][name=${name}]`);
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.append(input);
    }
    input.value = values[name];
  }
}
