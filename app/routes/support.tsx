import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { getDefaultCampaign } from "~/campaigns/campaigns.server";
import { loadSupportPlans, submitTierForm } from "~/giving/donate-page.server";
import { checkoutFormResponse } from "~/http/checkout-form.server";
import { t } from "~/i18n/t";
import { ProofOfWork, useHydrated } from "~/ui/ProofOfWork";
import { TierForm } from "~/ui/TierForm";

export const meta: MetaFunction = () => [{ title: t("support.heading") }];

async function requireDefaultCampaign() {
  const campaign = await getDefaultCampaign(getDb());
  if (!campaign) throw new Response("No campaign is running yet", { status: 404 });
  return campaign;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const campaign = await requireDefaultCampaign();
  const [offered, csrf] = await Promise.all([loadSupportPlans(getDb(), request, campaign), issueCsrfToken(request)]);
  return json(
    {
      ...offered,
      csrf: csrf.token,
    },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  // Tiers count toward the organisation's main campaign.
  const campaign = await requireDefaultCampaign();
  return checkoutFormResponse(
    await submitTierForm(getDb(), request, { campaign, clientAddress: String(context.clientAddress ?? "unknown") }),
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function Support() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // With JavaScript, a challenge is solved rather than explained (ProofOfWork shows progress).
  const solving = useHydrated() && Boolean(actionData?.challenge);
  return (
    <div className="narrow">
      <h1>{t("support.heading")}</h1>
      <p className="lede">{t("support.intro")}</p>
      <ProofOfWork challenge={actionData?.challenge} message={actionData?.formError} form=".tier-form" />
      <TierForm
        csrf={data.csrf}
        plans={data.plans}
        currency={data.currency}
        currencies={data.currencies}
        actionData={solving && actionData ? { ...actionData, formError: undefined } : actionData}
      />
    </div>
  );
}
