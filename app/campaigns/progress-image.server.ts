import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import type { PublicAppeal } from "./appeal.server";

/**
 * The live progress image for newsletters and social previews (ADR 044): an SVG written here, and
 * the same drawn to PNG by resvg for the email clients that show no SVG. 1200 × 630, the size
 * Open Graph and X (summary_large_image) previews use; a newsletter shows it at half that.
 */
export const PROGRESS_IMAGE = { width: 1200, height: 630 } as const;

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** At most `maxLines` lines of about `perLine` characters, broken between words, "…" when cut. */
function wrap(text: string, perLine: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.trim().split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= perLine || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  const kept = lines.slice(0, maxLines).map((l) => (l.length > perLine ? `${l.slice(0, perLine - 1)}…` : l));
  if (lines.length > maxLines) kept[maxLines - 1] = `${(kept[maxLines - 1] ?? "").replace(/…$/, "")}…`;
  return kept;
}

/** The words the image says, also its accessible name and the Open Graph image's alt text. */
export function progressImageTitle(appeal: Pick<PublicAppeal, "campaign" | "progress">): string {
  const { campaign, progress } = appeal;
  return t("progressImage.title", {
    campaign: campaign.name,
    raised: formatMoney(progress.raisedMinor, progress.currency),
    target: formatMoney(progress.targetMinor, progress.currency),
  });
}

export function progressSvg(appeal: PublicAppeal): string {
  const { campaign, progress } = appeal;
  const { width, height } = PROGRESS_IMAGE;
  const margin = 64;
  const raised = formatMoney(progress.raisedMinor, progress.currency);
  const target = formatMoney(progress.targetMinor, progress.currency);
  const stats = [
    t("progressImage.stats", {
      percent: progress.percent,
      supporters: t("progress.supporters", { count: progress.supporters }),
    }),
    progress.daysLeft === null
      ? null
      : progress.daysLeft === 0
        ? t("progress.ended")
        : t("progress.daysLeft", { count: progress.daysLeft }),
  ]
    .filter(Boolean)
    .join(" · ");
  const title = wrap(campaign.name, 30, 2);
  const track = { x: margin, y: 430, width: width - 2 * margin, height: 48 };
  const share = Math.min(1, Math.max(0, progress.targetMinor > 0 ? progress.raisedMinor / progress.targetMinor : 0));
  // Nothing raised: nothing drawn; anything raised: at least a round end's width, so it shows.
  const fill = progress.raisedMinor > 0 ? Math.max(track.height, Math.round(track.width * share)) : 0;
  const accent = appeal.accentColor;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="progress-title">`,
    `<title id="progress-title">${xml(progressImageTitle(appeal))}</title>`,
    `<rect width="${width}" height="${height}" fill="#f5f3ef"/>`,
    `<rect x="0" y="0" width="${width}" height="12" fill="${accent}"/>`,
    `<g font-family="${FONT}" fill="#1b1b1f">`,
    `<text x="${margin}" y="100" font-size="28" font-weight="700" letter-spacing="2" fill="${accent}">${xml(appeal.orgName.toUpperCase())}</text>`,
    ...title.map(
      (line, i) => `<text x="${margin}" y="${172 + i * 66}" font-size="56" font-weight="700">${xml(line)}</text>`,
    ),
    // One line of name leaves room for the headline under it.
    title.length === 1 && campaign.headline
      ? `<text x="${margin}" y="234" font-size="34" fill="#4a4a52">${xml(wrap(campaign.headline, 52, 1)[0] ?? "")}</text>`
      : "",
    `<text x="${margin}" y="${title.length > 1 ? 395 : 360}"><tspan font-size="72" font-weight="800">${xml(raised)}</tspan><tspan font-size="36" dx="16" fill="#4a4a52">${xml(t("progressImage.raisedOf", { target }))}</tspan></text>`,
    `<rect x="${track.x}" y="${track.y}" width="${track.width}" height="${track.height}" rx="${track.height / 2}" fill="#e4e0d8" stroke="#8a8a93" stroke-width="2"/>`,
    fill > 0
      ? `<rect x="${track.x}" y="${track.y}" width="${fill}" height="${track.height}" rx="${track.height / 2}" fill="${accent}"/>`
      : "",
    `<text x="${margin}" y="548" font-size="32" fill="#4a4a52">${xml(stats)}</text>`,
    `</g>`,
    `</svg>`,
  ].join("\n");
}

/** A strong validator for an image: its bytes follow from the SVG's text alone. */
export function imageEtag(svg: string, kind: "svg" | "png"): string {
  return `"${kind}-${createHash("sha256").update(svg).digest("base64url").slice(0, 27)}"`;
}

type Resvg = typeof import("@resvg/resvg-js").Resvg;
let resvg: Promise<Resvg> | undefined;
const require = createRequire(import.meta.url);
// Bundled with the app (the dejavu-fonts-ttf package), not the system's: the production image has
// no fonts, and DejaVu has the Latin, Greek and Cyrillic letters a campaign's name may use.
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${file}`),
);

/** The last PNGs drawn, by their SVG's ETag: a newsletter's send asks for the same image thousands of times. */
const drawn = new Map<string, Buffer>();
const DRAWN_LIMIT = 32;

export async function progressPng(svg: string): Promise<Buffer> {
  const key = imageEtag(svg, "png");
  const kept = drawn.get(key);
  if (kept) return kept;
  // Loaded on first use: the native renderer is not needed by any page.
  resvg ??= import("@resvg/resvg-js").then((module) => module.Resvg);
  const Renderer = await resvg;
  const png = new Renderer(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: FONT_FILES,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
    fitTo: { mode: "width", value: PROGRESS_IMAGE.width },
  })
    .render()
    .asPng();
  if (drawn.size >= DRAWN_LIMIT) drawn.delete(drawn.keys().next().value ?? "");
  drawn.set(key, png);
  return png;
}
