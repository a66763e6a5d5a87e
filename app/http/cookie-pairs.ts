/**
 * A Cookie header's pairs as written, without decoding: each pair's name, its value (everything
 * after the first "="; "" when there is none) and its text, trimmed, empty pairs left out. For the
 * few places that look at cookies before Remix does, on the hot path of every page (the cached
 * public pages, the request's language, a new reader's CSRF cookie): Remix's parser decodes and
 * verifies, which they do not need.
 */
export type CookiePair = { name: string; value: string; text: string };

export function cookiePairs(header: string | null | undefined): CookiePair[] {
  const pairs: CookiePair[] = [];
  if (!header) return pairs;
  for (const part of header.split(";")) {
    const text = part.trim();
    if (text === "") continue;
    const equals = text.indexOf("=");
    pairs.push(
      equals === -1
        ? { name: text, value: "", text }
        : { name: text.slice(0, equals), value: text.slice(equals + 1), text },
    );
  }
  return pairs;
}

/** The value of the first cookie called `name`, as written; undefined when there is none. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header?.includes(name)) return undefined;
  return cookiePairs(header).find((pair) => pair.name === name)?.value;
}
