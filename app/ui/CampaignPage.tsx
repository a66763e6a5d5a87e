import { Link } from "@remix-run/react";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { DonateForm, type DonateFormProps } from "./DonateForm";
import { CAMPAIGN_PAGE_SCRIPT, type PageScriptHandle } from "./page-scripts";
import { ProgressBar, type ProgressProps } from "./ProgressBar";
import { telHref } from "./tel";
import { Wall, type WallProps } from "./Wall";

/**
 * The route handle of a campaign page (`/`, `/c/<slug>`): sent without React, with its own small
 * script instead (docs/decisions/019-javascript-weight-on-the-campaign-page.md).
 */
export const campaignPageHandle: PageScriptHandle = { pageScript: CAMPAIGN_PAGE_SCRIPT };

export type CampaignPageProps = {
  action: string;
  data: {
    campaign: DonateFormProps["campaign"] & { slug: string; headline: string; description: string; phone: string };
    progress: ProgressProps;
    fee: DonateFormProps["fee"];
    plans: {
      code: string;
      name: string;
      amountMinor: number;
      currency: string;
      billing: "monthly" | "one_time_year";
      tier: "digital" | "print";
    }[];
    csrf: string;
    retry?: Record<string, string> | null;
    choice?: Record<string, string> | null;
    wall?: WallProps["wall"];
  };
  actionData?: DonateFormProps["actionData"];
};

export function CampaignPage({ action, data, actionData }: CampaignPageProps) {
  const { campaign, progress, plans } = data;
  return (
    <div className="campaign">
      <section className="campaign-intro">
        <p className="eyebrow">{campaign.name}</p>
        <h1>{campaign.headline}</h1>
        {campaign.description ? <p className="lede">{campaign.description}</p> : null}
        <ProgressBar {...progress} />
      </section>
      <DonateForm
        action={action}
        csrf={data.csrf}
        campaign={campaign}
        fee={data.fee}
        actionData={actionData}
        initialValues={data.retry ?? undefined}
        chosen={data.choice ?? undefined}
      />
      <aside className="panel tiers-teaser" aria-labelledby="tiers-heading">
        <h2 id="tiers-heading">{t("support.heading")}</h2>
        <p>{t("donate.tiersPitch")}</p>
        <ul className="tier-list">
          {plans.map((plan) => (
            <li key={plan.code}>
              <span>{plan.name}</span>{" "}
              <strong>
                {plan.billing === "monthly"
                  ? t("support.monthly", { amount: formatMoney(plan.amountMinor, plan.currency) })
                  : t("support.oneTime", { amount: formatMoney(plan.amountMinor, plan.currency) })}
              </strong>
            </li>
          ))}
        </ul>
        <p>
          <Link to="/support" className="button-secondary">
            {t("donate.tiersLink")}
          </Link>
        </p>
        {campaign.phone ? (
          <p className="phone-note">
            {t("donate.phone", { phone: "\u0000" })
              .split("\u0000")
              .flatMap((part, i) =>
                i === 0
                  ? [part]
                  : [
                      <a key="phone" href={telHref(campaign.phone)}>
                        {campaign.phone}
                      </a>,
                      part,
                    ],
              )}
          </p>
        ) : null}
      </aside>
      {data.wall ? <Wall wall={data.wall} /> : null}
    </div>
  );
}
