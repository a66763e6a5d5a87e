import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { t } from "~/i18n/t";
import { getDefaultCampaign } from "~/campaigns/campaigns.server";
import { loadDonatePage, submitDonateForm } from "~/giving/donate-page.server";
import { checkoutFormResponse } from "~/http/checkout-form.server";
import { CampaignPage, campaignPageHandle } from "~/ui/CampaignPage";
import { campaignOpenGraph, rootDataOf } from "~/ui/open-graph";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data ? t("meta.give", { campaign: data.campaign.name }) : t("site.nav.give") },
  { name: "description", content: data?.campaign.headline ?? "" },
  ...(data
    ? campaignOpenGraph({ root: rootDataOf(matches), path: "/", campaign: data.campaign, progress: data.progress })
    : []),
];

async function requireDefaultCampaign() {
  const campaign = await getDefaultCampaign(getDb());
  if (!campaign) throw new Response("No campaign is running yet", { status: 404 });
  return campaign;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { page, csrfHeaders } = await loadDonatePage(getDb(), request, await requireDefaultCampaign());
  return json(page, { headers: { ...csrfHeaders, "Cache-Control": "private, no-store" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const campaign = await requireDefaultCampaign();
  return checkoutFormResponse(
    await submitDonateForm(getDb(), request, {
      campaign,
      clientAddress: String(context.clientAddress ?? "unknown"),
      returnPath: "/",
    }),
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export const handle = campaignPageHandle;

export default function Index() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return <CampaignPage action="/?index" data={data} actionData={actionData} />;
}
