import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { t } from "~/i18n/t";
import { getCampaignBySlug } from "~/campaigns/campaigns.server";
import { loadDonatePage, submitDonateForm } from "~/giving/donate-page.server";
import { checkoutFormResponse } from "~/http/checkout-form.server";
import { CampaignPage, campaignPageHandle } from "~/ui/CampaignPage";
import { campaignOpenGraph, rootDataOf } from "~/ui/open-graph";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data ? t("meta.give", { campaign: data.campaign.name }) : t("meta.campaignNotFound") },
  { name: "description", content: data?.campaign.headline ?? "" },
  ...(data
    ? campaignOpenGraph({
        root: rootDataOf(matches),
        path: `/c/${data.campaign.slug}`,
        campaign: data.campaign,
        progress: data.progress,
      })
    : []),
];

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(100);

async function requireCampaign(slug: string | undefined) {
  const parsed = SlugSchema.safeParse(slug);
  const campaign = parsed.success ? await getCampaignBySlug(getDb(), { slug: parsed.data }) : undefined;
  if (!campaign) throw new Response("Campaign not found", { status: 404 });
  return campaign;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { page, csrfHeaders } = await loadDonatePage(getDb(), request, await requireCampaign(params.slug));
  return json(page, { headers: { ...csrfHeaders, "Cache-Control": "private, no-store" } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const campaign = await requireCampaign(params.slug);
  return checkoutFormResponse(
    await submitDonateForm(getDb(), request, {
      campaign,
      clientAddress: String(context.clientAddress ?? "unknown"),
      returnPath: `/c/${campaign.slug}`,
    }),
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export const handle = campaignPageHandle;

export default function CampaignRoute() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return <CampaignPage action={`/c/${data.campaign.slug}`} data={data} actionData={actionData} />;
}
