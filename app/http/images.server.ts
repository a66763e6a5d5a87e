/**
 * An image that stays fresh within minutes wherever it is kept (a newsletter's image proxy, a
 * social network's preview cache, the reader's browser): five minutes, then asked again with its
 * ETag, and a 304 when nothing changed (ADR 044). No cookie is set on these paths (isCookieFreePath).
 */
export const FRESH_IMAGE_CACHE_CONTROL = "public, max-age=300";

/** Whether the client's If-None-Match names this ETag (weak or strong, or `*`). */
export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === "*" || tag === etag);
}

export function freshImageResponse(
  request: Request,
  { body, contentType, etag }: { body: string | Buffer; contentType: string; etag: string },
): Response {
  const headers = { "Content-Type": contentType, "Cache-Control": FRESH_IMAGE_CACHE_CONTROL, ETag: etag };
  if (matchesEtag(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(typeof body === "string" ? body : new Uint8Array(body), { headers });
}
