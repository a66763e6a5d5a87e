import { readFile } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { settings } from "@db/schema";
import { appealBlockSnippet } from "~/campaigns/appeal.server";
import { loader as embedLoader } from "~/routes/embed.$slug";
import { loader as pngLoader } from "~/routes/c.$slug_.progress[.png]";
import { loader as svgLoader } from "~/routes/c.$slug_.progress[.svg]";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

/**
 * The appeal where readers are (ADR 044): the progress image a newsletter or a social preview
 * loads, and the headers of the appeal block another site frames. What a browser does with them
 * is tests/e2e/embed.test.ts; the headers through the whole server, security-headers.test.ts.
 */

const { t, fixtures } = useSeededDatabase();

const slug = () => fixtures.campaign.slug;
const svgOf = (headers: Record<string, string> = {}) =>
  callWithHeaders(svgLoader, `/c/${slug()}/progress.svg`, headers);
const pngOf = (headers: Record<string, string> = {}) =>
  callWithHeaders(pngLoader, `/c/${slug()}/progress.png`, headers);

async function callWithHeaders(
  loader: typeof svgLoader,
  path: string,
  headers: Record<string, string>,
): Promise<Response> {
  const request = new Request(`http://localhost:3000${path}`, { headers });
  try {
    return await loader({ request, params: { slug: slug() }, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe("the live progress image", () => {
  it("says what the campaign page says, from the ledger, with a title screen readers announce", async () => {
    await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 2500 });
    await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 5000 });
    const response = await svgOf();
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/svg+xml; charset=utf-8");
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1200" height="630"[^>]* role="img"/);
    expect(svg).toContain('<title id="progress-title">Fighting Fund 2026: $75 raised of $250,000</title>');
    expect(svg).toContain(">$75</tspan>");
    expect(svg).toContain("raised of $250,000");
    expect(svg).toContain("0% of target · 2 supporters");
    // $75 of $250,000 is a sliver, drawn at least as wide as the bar's round end.
    expect(svg).toMatch(/<rect x="64" y="430" width="48" height="48" rx="24" fill="#b3261e"\/>/);
    // Nothing of the donors: no names, no emails.
    expect(svg).not.toMatch(/@|Rosa/);
  });

  it("stays fresh within minutes: five minutes' cache, an ETag, a 304 while nothing changed, a new ETag when it did", async () => {
    const first = await svgOf();
    expect(first.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(first.headers.get("Set-Cookie")).toBeNull();
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"svg-[A-Za-z0-9_-]{20,}"$/);

    const again = await svgOf({ "If-None-Match": etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("ETag")).toBe(etag);

    await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1000 });
    const changed = await svgOf({ "If-None-Match": etag! });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).not.toBe(etag);
    expect(await changed.text()).toContain("$85 raised of $250,000");
  });

  it("comes as a PNG of 1200 × 630 for email clients that show no SVG, with its own ETag", async () => {
    const response = await pngOf();
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    const png = Buffer.from(await response.arrayBuffer());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width: 1200, height: 630 });
    // Text was drawn (a font was found): a blank card compresses to a few kilobytes.
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.length).toBeLessThan(300_000);

    const etag = response.headers.get("ETag")!;
    expect(etag).toMatch(/^"png-/);
    const again = await pngOf({ "If-None-Match": `W/${etag}` });
    expect(again.status).toBe(304);
  });

  it("answers 404 for a campaign that does not exist or a malformed name", async () => {
    for (const bad of ["no-such-campaign", "Not..A..Slug"]) {
      const request = new Request(`http://localhost:3000/c/${bad}/progress.svg`);
      const response = await svgLoader({ request, params: { slug: bad }, context: {} }).catch((r: Response) => r);
      expect(response.status).toBe(404);
    }
  });
});

describe("the appeal block's own headers", () => {
  const embed = () =>
    callLoader(embedLoader, `/embed/${slug()}`, { params: { slug: slug() } }).then((response) => ({
      response,
      csp: response.headers.get("Content-Security-Policy") ?? "",
    }));

  it("with no site allowed, no one may frame it", async () => {
    await t.db.update(settings).set({ embedOrigins: [] }).where(eq(settings.id, 1));
    const { response, csp } = await embed();
    expect(response.status).toBe(200);
    expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  });

  it("names exactly the sites an admin allowed, sets no cookie and may be kept a minute by any cache", async () => {
    await t.db
      .update(settings)
      .set({ embedOrigins: ["https://news.example.org", "https://www.news.example.org"] })
      .where(eq(settings.id, 1));
    const { response, csp } = await embed();
    expect(csp).toMatch(/(^|; )frame-ancestors https:\/\/news\.example\.org https:\/\/www\.news\.example\.org(;|$)/);
    // Everything else in the policy is every page's.
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(response.headers.get("X-Frame-Options")).toBeNull();
    expect(response.headers.get("Set-Cookie")).toBeNull();
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=60");
    const data = await response.json();
    expect(data.campaign.presets.map((p: { amountMinor: number }) => p.amountMinor)).toEqual(
      fixtures.campaign.presetAmountsMinor,
    );
  });
});

describe("the snippet", () => {
  it("docs/embedding.md shows exactly what the settings page gives staff to copy", async () => {
    const docs = await readFile(path.join(import.meta.dirname, "../../docs/embedding.md"), "utf8");
    const documented = /```html\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(documented).toBe(
      appealBlockSnippet({ appUrl: "https://give.example.org", slug: "winter-appeal", name: "the winter appeal" }),
    );
  });
});
