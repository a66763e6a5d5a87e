import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import compression from "compression";
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { Env } from "~/env.server";
import { isEmbedPath, newCspNonce, securityHeaders } from "~/security-headers.server";
import type { PreparedBody } from "./precompressed-body.server";

/**
 * The rules every response follows, whichever of the three ways in answers it (Stripe's
 * deliveries, the cached public pages, Express and Remix: app/http/server.server.ts, ADR 041).
 * A new rule for every response is written here once:
 *
 * - beginResponse, first thing for every request: the security headers (ADR 010) with this
 *   response's own CSP nonce (cspNonceOf). They are set before anything else, so whatever answers
 *   may set one of them itself and its value wins (see yieldToOwnHeaders for Remix's responses).
 * - shouldCompress / acceptsGzip: what is compressed (Express's compression() middleware and
 *   sendBuffered both ask shouldCompress).
 * - sendBuffered: an answer written in one piece (the fast paths, the 405 and 413 refusals), with
 *   its length and the compression decision; CACHING: the Cache-Control the server decides itself.
 *
 * Request ids, latency and logging around every request are app/observability/observe-requests;
 * body limits are app/http/request-limits.
 */

// What beginResponse records on a response: its nonce, and the names of the headers it set,
// lower-cased. Properties of the response under symbols of this module, not WeakMaps: a WeakMap
// entry per response cost more than the rest of beginResponse (ADR 053).
const NONCE = Symbol("cspNonce");
const DEFAULT_NAMES = Symbol("securityHeaderNames");
type Begun = ServerResponse & { [NONCE]?: string; [DEFAULT_NAMES]?: readonly string[] };

/** The security headers with a fresh nonce, on the response before anyone writes to it. */
export function beginResponse(res: ServerResponse, env: Pick<Env, "paymentsMode" | "appUrl">, path = "/"): void {
  const nonce = newCspNonce();
  (res as Begun)[NONCE] = nonce;
  const layout = securityHeadersLayout(env, path);
  for (const { name, parts } of layout.headers) res.setHeader(name, parts.length === 1 ? parts[0]! : parts.join(nonce));
  (res as Begun)[DEFAULT_NAMES] = layout.lowerCaseNames;
}

type SecurityHeadersLayout = {
  /** Each header's value split where the nonce goes (one part: no nonce in it). */
  headers: { name: string; parts: string[] }[];
  lowerCaseNames: string[];
};

/** Per env (the server passes its own, the same object every time): the layout for embeds and for the rest. */
const layouts = new WeakMap<object, { embed?: SecurityHeadersLayout; other?: SecurityHeadersLayout }>();

/**
 * securityHeaders as written for every response, worked out once for each set of what they depend
 * on (the payments mode, the public address, an embed's path or not) with the nonce's places
 * marked: per response only the nonce is put in (ADR 053). The same headers in the same order.
 */
function securityHeadersLayout(env: Pick<Env, "paymentsMode" | "appUrl">, path: string): SecurityHeadersLayout {
  const embed = isEmbedPath(path);
  let forEnv = layouts.get(env);
  if (!forEnv) layouts.set(env, (forEnv = {}));
  return (forEnv[embed ? "embed" : "other"] ??= layoutOf(env, embed));
}

function layoutOf(env: Pick<Env, "paymentsMode" | "appUrl">, embed: boolean): SecurityHeadersLayout {
  const standIn = `\u0000${newCspNonce()}\u0000`;
  const headers = securityHeaders({ nonce: standIn, env, path: embed ? "/embed/" : "/" });
  return {
    headers: Object.entries(headers).map(([name, value]) => ({ name, parts: value.split(standIn) })),
    lowerCaseNames: Object.keys(headers).map((name) => name.toLowerCase()),
  };
}

/**
 * Responses that set no cookie, whoever asks (ADR 044): the appeal block other sites frame and the
 * progress images newsletters and social previews load. No CSRF cookie (they have no form that
 * posts), so a reader's browser stores nothing of ours when they merely read an article.
 */
export function isCookieFreePath(path: string): boolean {
  return /^\/embed\//.test(path) || /^\/c\/[^/?#]+\/progress\.(?:svg|png)(?:[?#]|$)/.test(path);
}

/** This response's CSP nonce, as its Content-Security-Policy header names it. */
export function cspNonceOf(res: ServerResponse): string {
  const nonce = (res as Begun)[NONCE];
  if (!nonce) throw new Error("cspNonceOf: beginResponse was not called for this response");
  return nonce;
}

/**
 * Before a Remix response's headers are added to `res` (Express's adapter appends them): a
 * security header the route set itself (a download's own X-Content-Type-Options, say) replaces
 * the default instead of making two. Express's own answers (static files, errors) set theirs
 * with setHeader, which replaces the default already.
 */
export function yieldToOwnHeaders(res: ServerResponse, own: Headers): void {
  for (const name of (res as Begun)[DEFAULT_NAMES] ?? []) if (own.has(name)) res.removeHeader(name);
}

/**
 * Cache-Control where the server itself decides it: the built assets (fingerprinted, so kept a
 * year), the other files in public/ (an hour), and the refusals (405, 413: never kept). Pages
 * and data say their own in their routes (a loader's no-store reaches its page: entry.server.tsx),
 * and a cached public page replays what its render said.
 */
export const CACHING = {
  builtAssets: { immutable: true, maxAge: "1y" },
  /** The same, as the header built-assets.server.ts writes itself. */
  builtAssetsHeader: "public, max-age=31536000, immutable",
  publicFiles: { maxAge: "1h" },
  refusal: "no-store",
} as const;

/** Below this many bytes nothing is compressed (compression()'s own default threshold). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Whether a response of this Content-Type may be compressed: the types compression() compresses
 * (text, JSON, …), but not CSV downloads, which stream in batches paced by the socket's drain
 * (see socketDrained in server.server.ts) that compression's own buffering would hide.
 */
export function shouldCompress(req: IncomingMessage, res: ServerResponse): boolean {
  const type = res.getHeader("Content-Type");
  // The answer for a type is kept: a response's type is one of a few (the cached pages ask for each).
  const known = typeof type === "string" ? compressedTypes.get(type) : undefined;
  if (known !== undefined) return known;
  // compression.filter reads nothing but the response's Content-Type, which Node's own objects have.
  const compress =
    !String(type ?? "").startsWith("text/csv") && compression.filter(req as ExpressRequest, res as ExpressResponse);
  if (typeof type === "string") remember(compressedTypes, type, compress);
  return compress;
}

const compressedTypes = new Map<string, boolean>();
const gzipAccepted = new Map<string, boolean>();

/** Kept answers are bounded: the keys come from responses and from requests' headers. */
function remember(answers: Map<string, boolean>, key: string, answer: boolean) {
  if (key.length > 256) return;
  if (answers.size >= 100) answers.clear();
  answers.set(key, answer);
}

/** `gzip` listed and not refused with q=0 (every browser lists it). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  // Browsers send one of a few values, each on every request.
  const known = gzipAccepted.get(value);
  if (known !== undefined) return known;
  const accepted = value.split(",").some((entry) => {
    const [coding = "", ...params] = entry.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
  remember(gzipAccepted, value, accepted);
  return accepted;
}

export type BufferedAnswer = {
  status: number;
  /** Content-Type first among them; a header named here replaces a default of beginResponse. */
  headers: Iterable<readonly [string, string]>;
  /** Or one ready both ways (the cached public pages, ADR 053): only the one sent is made. */
  body: string | Buffer | PreparedBody;
};

/**
 * An answer written in one piece: its headers, then, as compression() would decide for it, the
 * body gzipped (with Vary: Accept-Encoding for any compressible type), and its Content-Length.
 */
export function sendBuffered(req: IncomingMessage, res: ServerResponse, answer: BufferedAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  const body = prepare(answer.body);
  let gzip = false;
  if (shouldCompress(req, res)) {
    const vary = res.getHeader("Vary");
    res.setHeader("Vary", vary ? `${String(vary)}, Accept-Encoding` : "Accept-Encoding");
    gzip = body.byteLength >= COMPRESSION_THRESHOLD_BYTES && acceptsGzip(req.headers["accept-encoding"]);
  }
  const sent = gzip ? body.gzipped() : body.plain();
  if (gzip) res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Content-Length", sent.length);
  res.end(sent);
}

function prepare(body: BufferedAnswer["body"]): PreparedBody {
  if (typeof body !== "string" && !Buffer.isBuffer(body)) return body;
  const plain = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return { byteLength: plain.length, plain: () => plain, gzipped: () => gzipSync(plain) };
}
