import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getPublicAppeal } from "~/campaigns/appeal.server";
import { imageEtag, progressSvg } from "~/campaigns/progress-image.server";
import { freshImageResponse } from "~/http/images.server";

/** The campaign's live progress as an SVG image, for newsletters and web pages (ADR 044). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const appeal = await getPublicAppeal(getDb(), { slug: params.slug });
  if (!appeal) throw new Response("Campaign not found", { status: 404 });
  const svg = progressSvg(appeal);
  return freshImageResponse(request, {
    body: svg,
    contentType: "image/svg+xml; charset=utf-8",
    etag: imageEtag(svg, "svg"),
  });
}
