import { randomBytes } from "node:crypto";
import type { AppLoadContext } from "@remix-run/node";
import { csrfSetCookie, newCsrfToken } from "~/auth/csrf.server";
import type { Currency } from "@db/types";
import { REGION_OF, regionCurrency } from "~/campaigns/region-currency";
import { LANG_COOKIE } from "~/i18n/request-locale.server";
import { cookiePairs } from "./cookie-pairs";
import { describeError, logger } from "~/log.server";
import { newCspNonce } from "~/security-headers.server";
import { type PreparedBody, Template } from "./precompressed-body.server";

/**
 * The public pages (`/`, `/support`, `/c/<slug>`) are the same for every reader of a language (ADR 049) but for two
 * strings: the CSP nonce of the response and the reader's CSRF token. Rendering them with React
 * for every request caps a server at a few hundred pages a second, and a campaign that goes viral
 * sends thousands. So each page is rendered once, with a random stand-in for the nonce and the
 * token, and served from memory with the reader's own nonce and token put in (ADR 021).
 *
 * Correct invalidation: the database notifies every app process when what these pages show
 * changes (campaign totals, campaigns, plans, settings: migration 0007; the wall of solidarity's
 * messages: ADR 043), and a notification makes every cached page stale. A changed page is rendered again on the next request, but not
 * more than once a second, so a flood of payments costs one render a second, not one per payment:
 * a page is at most about a second behind the ledger. Everything is stale whenever the
 * notification channel (re)connects, since notifications sent meanwhile are lost.
 * A page nothing changed is still rendered again after ten seconds (the days left of a campaign
 * move with the clock); readers do not wait for that render, they get the page as it was until it
 * is done. While renders fail (the database is down, say) the page as it was is served for up to
 * a minute, then Remix answers (with its error page).
 */

export type PublicPageRequest = {
  method: string;
  /** The path and query string, e.g. `/` or `/c/winter-appeal?x=1`. */
  url: string;
  cookieHeader: string | undefined;
  /** This reader's CSRF token (from their cookie, or the one issued with this response). */
  csrfToken: string;
  /** This response's CSP nonce. */
  nonce: string;
  /** The reader's language (ADR 049): a page is kept once per language. */
  locale: string;
  /** The reader's Accept-Language: only the country it names matters here (regionCurrency). */
  acceptLanguage?: string | null;
};

/** The body is ready to be sent as it is or gzipped, whichever the reader asked for (ADR 053). */
export type PublicPageResponse = { status: number; headers: [string, string][]; body: PreparedBody };

type Render = (request: Request, context: AppLoadContext) => Promise<Response>;

type Entry = {
  /** The page split where the stand-ins were: text, slot, text, slot, …, text (and each text compressed). */
  page: Template;
  slots: ("nonce" | "token")[];
  status: number;
  headers: [string, string][];
  generation: number;
  renderedAt: number;
};

export type PublicPageCacheOptions = {
  render: Render;
  origin: string;
  now?: () => number;
  /** A changed page is rendered again at most this often. */
  minRefreshMs?: number;
  /** A page is rendered again at least this often. */
  maxAgeMs?: number;
  /** A page this old is not served while it is rendered again. */
  staleLimitMs?: number;
  /** Distinct pages kept (`/c/<slug>` can name many campaigns). */
  maxEntries?: number;
};

export const PUBLIC_PAGES_CHANNEL = "ff_public_pages";

const CACHED_PATH = /^\/(?:support|c\/[a-z0-9][a-z0-9-]{0,62})?$/;
/** Headers of the rendered page that are the reader's own or per response. */
const NOT_REPLAYED = new Set(["set-cookie", "content-length", "date", "content-security-policy"]);

const USUAL_LENGTHS = { nonce: Buffer.byteLength(newCspNonce()), token: Buffer.byteLength(newCsrfToken()) };

export function isPublicPagePath(path: string): boolean {
  return CACHED_PATH.test(path);
}

export class PublicPageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly filling = new Map<string, Promise<Entry | null>>();
  private generation = 0;
  private readonly nonceStandIn = randomBytes(24).toString("base64url");
  private readonly tokenStandIn = randomBytes(24).toString("base64url");
  private readonly now: () => number;
  private readonly minRefreshMs: number;
  private readonly maxAgeMs: number;
  private readonly staleLimitMs: number;
  private readonly maxEntries: number;
  private readonly stats = { served: 0, renders: 0, bypassed: 0 };

  constructor(private readonly options: PublicPageCacheOptions) {
    this.now = options.now ?? Date.now;
    this.minRefreshMs = options.minRefreshMs ?? 1_000;
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    this.staleLimitMs = options.staleLimitMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 200;
  }

  /** Something a public page shows has changed (or may have): every cached page is stale. */
  invalidate() {
    this.generation += 1;
  }

  counts() {
    return { ...this.stats, pages: this.entries.size };
  }

  /**
   * The page for this request from memory, rendering it if it is missing or stale; null when the
   * request is not for a cacheable page (the caller lets Remix answer it as usual). A page that
   * is in memory is answered at once; a promise only when the reader must wait for a render.
   */
  serve(request: PublicPageRequest): PublicPageResponse | null | Promise<PublicPageResponse | null> {
    if (!this.cacheable(request)) {
      this.stats.bypassed += 1;
      return null;
    }
    // One page per language and per currency the reader's country suggests (chooseCurrency).
    const key = `${request.locale} ${regionCurrency(request.acceptLanguage) ?? "-"} ${request.url}`;
    const entry = this.entries.get(key);
    const due = entry ? this.renderDue(entry) : "missing";
    const young = (page: Entry | undefined) =>
      page && this.now() - page.renderedAt < this.staleLimitMs ? page : undefined;
    const answer = (page: Entry | null | undefined) => (page ? this.answer(page, request) : null);
    if (due === "missing") return this.fill(key).then(answer);
    if (due === "changed") return this.fill(key).then((page) => answer(page ?? young(entry)));
    if (due === "expired") {
      const rendering = this.fill(key);
      const kept = young(entry);
      return kept ? answer(kept) : rendering.then(answer);
    }
    return answer(entry);
  }

  private answer(entry: Entry, request: PublicPageRequest): PublicPageResponse {
    this.stats.served += 1;
    return { status: entry.status, headers: entry.headers, body: this.assemble(entry, request) };
  }

  /** Resolves when no render is under way (for tests). */
  async settled(): Promise<void> {
    while (this.filling.size > 0) await Promise.all(this.filling.values());
  }

  private cacheable(request: PublicPageRequest): boolean {
    if (request.method !== "GET" || !isPublicPagePath(request.url)) return false;
    // Anyone signed in (a supporter, staff) gets a page of their own, rendered as usual: the
    // public pages do not differ for them today, but nothing should make that an assumption.
    // The language cookie only chooses which language's page is served (ADR 049).
    return cookiePairs(request.cookieHeader).every(({ name }) => name === "ff_csrf" || name === LANG_COOKIE);
  }

  /** "changed": something it shows changed (readers wait for the new page); "expired": only time passed (they do not). */
  private renderDue(entry: Entry): "changed" | "expired" | null {
    const age = this.now() - entry.renderedAt;
    if (entry.generation !== this.generation && age >= this.minRefreshMs) return "changed";
    return age >= this.maxAgeMs ? "expired" : null;
  }

  /** One render per page at a time: readers arriving meanwhile wait for it. */
  private fill(key: string): Promise<Entry | null> {
    let filling = this.filling.get(key);
    if (!filling) {
      filling = this.render(key).finally(() => this.filling.delete(key));
      this.filling.set(key, filling);
    }
    return filling;
  }

  private async render(key: string): Promise<Entry | null> {
    const [locale = "en", currency = "-", url = "/"] = key.split(" ");
    const region = currency in REGION_OF ? REGION_OF[currency as Currency] : undefined;
    const generation = this.generation;
    const renderedAt = this.now();
    this.stats.renders += 1;
    let response: Response;
    let html: string;
    try {
      const cookie = csrfSetCookie(this.tokenStandIn).split(";")[0] ?? "";
      response = await this.options.render(
        new Request(new URL(url, this.options.origin), {
          headers: {
            cookie: `${cookie}; ${LANG_COOKIE}=${locale}`,
            "user-agent": "fighting-fund-page-cache",
            // The country only (the language cookie decides the language): "und-GB" → GBP.
            ...(region ? { "accept-language": `und-${region}` } : {}),
          },
        }),
        {
          clientAddress: "page-cache",
          cspNonce: this.nonceStandIn,
          responseDrained: () => undefined,
        },
      );
      html = await response.text();
    } catch (error) {
      // Remix answers the reader (or the page as it was, while it is young enough: see serve).
      logger.warn({ err: describeError(error), path: url }, "public page not rendered");
      return null;
    }
    // Errors, redirects and not-found pages are left to Remix, as is a page that did not carry
    // the stand-in token (it would then not carry the reader's).
    if (response.status !== 200 || !html.includes(this.tokenStandIn)) {
      // What the page is now is not a page we keep: nobody gets the old one either.
      this.entries.delete(key);
      return null;
    }
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      if (!NOT_REPLAYED.has(name)) headers.push([name, value]);
    });
    const entry: Entry = { ...this.split(html), status: response.status, headers, generation, renderedAt };
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    return entry;
  }

  private split(html: string): Pick<Entry, "page" | "slots"> {
    const parts: string[] = [];
    const slots: Entry["slots"] = [];
    const standIns = new RegExp(`${this.nonceStandIn}|${this.tokenStandIn}`, "g");
    let last = 0;
    for (const match of html.matchAll(standIns)) {
      parts.push(html.slice(last, match.index));
      slots.push(match[0] === this.nonceStandIn ? "nonce" : "token");
      last = match.index + match[0].length;
    }
    parts.push(html.slice(last));
    // The page compresses best with the usual lengths of a nonce and a token (a reader's token of
    // another length gets the page gzipped whole: precompressed-body.server.ts).
    return {
      page: new Template(
        parts,
        slots.map((slot) => USUAL_LENGTHS[slot]),
      ),
      slots,
    };
  }

  private assemble(entry: Entry, request: PublicPageRequest): PreparedBody {
    return entry.page.fill(entry.slots.map((slot) => (slot === "nonce" ? request.nonce : request.csrfToken)));
  }
}
