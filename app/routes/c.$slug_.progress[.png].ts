import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getPublicAppeal } from "~/campaigns/appeal.server";
import { imageEtag, progressPng, progressSvg } from "~/campaigns/progress-image.server";
import { freshImageResponse, matchesEtag } from "~/http/images.server";

/**
 * The campaign's live progress as a PNG: for the email clients that show no SVG, and for social
 * previews (Open Graph's og:image), which want a bitmap (ADR 044).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const appeal = await getPublicAppeal(getDb(), { slug: params.slug });
  if (!appeal) throw new Response("Campaign not found", { status: 404 });
  const svg = progressSvg(appeal);
  const etag = imageEtag(svg, "png");
  // A 304 draws nothing.
  const body = matchesEtag(request.headers.get("If-None-Match"), etag) ? "" : await progressPng(svg);
  return freshImageResponse(request, { body, contentType: "image/png", etag });
}
