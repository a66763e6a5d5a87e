import type { ActionFunctionArgs } from "@remix-run/node";
import fc from "fast-check";

/**
 * Tools for hostile-input tests: a row count of every table, raw posts (repeated fields, wrong
 * content types), fast-check arbitraries for the strings and amounts attackers and accidents
 * send, and a reader of the human-readable message a refusal must carry.
 */

export { changedTables, countAllRows, type RowCounts } from "./row-counts";

type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;
type Loader = Action;

export type RawPost = {
  params?: Record<string, string>;
  cookie?: string;
  clientAddress?: string;
  contentType?: string | null;
  body: BodyInit;
  method?: string;
};

/** Calls an action with any body and content type, as a client that is not a browser might. */
export async function postRaw(action: Action, path: string, init: RawPost): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.contentType) headers["Content-Type"] = init.contentType;
  if (init.cookie) headers.Cookie = init.cookie;
  const request = new Request(`http://localhost:3000${path}`, {
    method: init.method ?? "POST",
    headers,
    body: init.body,
  });
  try {
    return await action({
      request,
      params: init.params ?? {},
      context: { clientAddress: init.clientAddress ?? "203.0.113.9" },
    });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Posts form fields as ordered pairs, so a field can be repeated. */
export function postPairs(
  action: Action,
  path: string,
  pairs: [string, string][],
  init: Omit<RawPost, "body" | "contentType"> = {},
) {
  return postRaw(action, path, {
    ...init,
    contentType: "application/x-www-form-urlencoded",
    body: new URLSearchParams(pairs).toString(),
  });
}

/** The text with lone surrogates replaced, as a browser encodes it into a URL. */
export const wellFormed = (text: string) => text.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");

/** Calls a loader with any URL (query strings included). */
export async function getRaw(
  loader: Loader,
  path: string,
  init: { params?: Record<string, string>; cookie?: string } = {},
) {
  const request = new Request(`http://localhost:3000${path}`, { headers: init.cookie ? { Cookie: init.cookie } : {} });
  try {
    return await loader({ request, params: init.params ?? {}, context: { clientAddress: "203.0.113.9" } });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/**
 * The message a person would read in a refusal: the form's summary or a field message (JSON
 * action data), the body of a thrown Response, or a redirect back to a page that explains.
 */
export async function humanMessage(response: Response): Promise<string> {
  const text = await response.clone().text();
  if ((response.headers.get("Content-Type") ?? "").includes("json")) {
    const body = JSON.parse(text) as Record<string, unknown>;
    const fields =
      typeof body.errors === "object" && body.errors ? Object.values(body.errors as Record<string, unknown>) : [];
    const candidates = [body.formError, body.error, body.message, ...fields].filter(
      (v): v is string => typeof v === "string" && v.trim() !== "",
    );
    return candidates[0] ?? "";
  }
  return text.trim();
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

/** Strings that have broken web apps before: each is tried as well as random ones. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202Eevil\u202C",
  "\u200B\u200C\u200D\u2060\uFEFF",
  "مرحبا بالعالم",
  "שָׁלוֹם",
  "👩🏽‍💻🏳️‍🌈🇦🇺",
  "\uD800",
  "\uDFFF",
  "a\uDC00b",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(1)",
  "' OR '1'='1",
  "'); DROP TABLE supporters; --",
  "1; SELECT pg_sleep(10)",
  "%00%27%22",
  "${7*7}{{7*7}}",
  "__proto__",
  "constructor",
  "\r\n\r\nSet-Cookie: x=1",
  "\u0007\u001B[31m",
  "x".repeat(100_000),
  "😀".repeat(25_000),
  "a@b.co" + "\u0000",
  "rosa@example.org\r\nBcc: all@example.org",
] as const;

const unicode = fc.string({ unit: "binary", maxLength: 60 });
const graphemes = fc.string({ unit: "grapheme", maxLength: 40 });
const huge = fc
  .constantFrom(100_000, 65_536, 20_001)
  .chain((n) => fc.constantFrom("x", "é", "😀", "\u200B", "<").map((c) => c.repeat(n)));

/** Any string: nasty, random code points (lone surrogates included), graphemes, or huge. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: unicode },
  { weight: 2, arbitrary: graphemes },
  { weight: 1, arbitrary: huge },
);

/** What people and scripts type into an amount box. */
export const hostileAmount: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "0",
    "-0",
    "-5",
    "-25.00",
    "0.001",
    "0.5",
    "10.125",
    "1e3",
    "1e309",
    "2.5E+1",
    "Infinity",
    "-Infinity",
    "NaN",
    "0x19",
    "25,00",
    "1,000,000",
    " 25 ",
    "25 AUD",
    "$25",
    "٢٥",
    "２５",
    "9".repeat(400),
    "99999999999999999999999999",
    "1.7976931348623157e308",
    "5e-324",
    "",
  ),
  fc.integer().map(String),
  fc.double({ noNaN: false }).map(String),
  fc.bigInt().map(String),
  hostileText,
);

/** A plausible value, a hostile one, or (weighted in) one of the given good values. */
export function fieldValue(
  good: readonly string[],
  extraBad: fc.Arbitrary<string> = hostileText,
): fc.Arbitrary<string> {
  return good.length > 0
    ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...good) }, { weight: 3, arbitrary: extraBad })
    : extraBad;
}

export type FieldSpec = Record<string, fc.Arbitrary<string>>;

/**
 * A form body as ordered pairs: each known field present or missing, sometimes repeated (with a
 * different value), plus random extra fields; the CSRF token valid most of the time.
 */
export function hostileForm(fields: FieldSpec, csrf: () => string): fc.Arbitrary<[string, string][]> {
  const known = Object.entries(fields).map(([name, value]) =>
    fc.oneof(
      { weight: 6, arbitrary: value.map((v) => [[name, v]] as [string, string][]) },
      { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
      {
        weight: 1,
        arbitrary: fc.tuple(value, value).map(
          ([a, b]) =>
            [
              [name, a],
              [name, b],
            ] as [string, string][],
        ),
      },
    ),
  );
  const extras = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom("__proto__", "constructor", "csrf[]", "amount[]", "id", "supporterId", "status", "role"),
        unicode,
      ),
      hostileText,
    ),
    { maxLength: 3 },
  );
  const token = fc.oneof(
    { weight: 8, arbitrary: fc.constant("valid") },
    { weight: 1, arbitrary: fc.constant("missing") },
    { weight: 1, arbitrary: fc.constantFrom("forged", "repeated") },
  );
  return fc.tuple(fc.tuple(...known), extras, token).map(([parts, extra, tokenKind]) => {
    const pairs: [string, string][] = [];
    if (tokenKind === "valid") pairs.push(["csrf", csrf()]);
    if (tokenKind === "forged") pairs.push(["csrf", "A".repeat(32)]);
    if (tokenKind === "repeated") pairs.push(["csrf", "A".repeat(32)], ["csrf", csrf()]);
    for (const part of parts) pairs.push(...part);
    pairs.push(...extra);
    return pairs;
  });
}

/** How many runs each property makes: FF_FUZZ_RUNS, or the given default. */
export function fuzzRuns(fallback: number): number {
  const configured = Number(process.env.FF_FUZZ_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : fallback;
}

/**
 * fast-check parameters: the number of runs, and a failure report with long values cut short
 * (a 100 KB counterexample would bury the message).
 */
export function fuzzParams<T>(numRuns: number): fc.Parameters<T> {
  return {
    numRuns,
    reporter(details) {
      if (!details.failed) return;
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? "");
      const message = `${fc.defaultReportMessage(details) ?? "property failed"}\nCaused by: ${cause}`;
      throw new Error(
        message
          .replace(/(.)\1{199,}/gsu, (run: string, c: string) => `${c.repeat(20)}…(${run.length}×)`)
          .slice(0, 4000),
      );
    },
  };
}
