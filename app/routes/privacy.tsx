import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { DISCREET_ONE_OFF_RETENTION_DAYS } from "~/campaigns/discreet";
import { getEnv } from "~/env.server";
import { t } from "~/i18n/t";
import { getOrganisationSettings } from "~/organisation/settings.server";

export const meta: MetaFunction = () => [{ title: t("privacy.title") }];

/**
 * What a reader should know before giving (ADR 040), written for readers at
 * risk: what is kept, for how long, and who handles what. The card processor and the email
 * service are named as this installation runs them (or said to be simulated in a demonstration).
 */
export async function loader(_: LoaderFunctionArgs) {
  const [settings] = await Promise.all([getOrganisationSettings(getDb())]);
  const env = getEnv();
  return json(
    {
      orgName: settings.orgName,
      contactEmail: settings.contactEmail,
      retentionMonths: settings.retentionMonths,
      stripe: env.paymentsMode === "stripe",
      resend: env.emailMode === "resend",
      onionOrigin: env.onionOrigin,
    },
    { headers: { "Cache-Control": "public, max-age=60" } },
  );
}

export default function Privacy() {
  const data = useLoaderData<typeof loader>();
  return (
    <article className="narrow privacy-page">
      <h1>{t("privacy.title")}</h1>
      <p className="lede">{t("privacy.intro")}</p>
      <h2>{t("privacy.keptHeading")}</h2>
      <p>{t("privacy.kept")}</p>
      <p>{t("privacy.abuse")}</p>
      <h2>{t("privacy.notKeptHeading")}</h2>
      <p>{t("privacy.notKept")}</p>
      <h2>{t("privacy.anonymousHeading")}</h2>
      <p>{t("privacy.anonymous")}</p>
      <h2>{t("privacy.processorsHeading")}</h2>
      <ul>
        <li>{data.stripe ? t("privacy.stripe") : t("privacy.simulatedPayments")}</li>
        <li>{data.resend ? t("privacy.resend") : t("privacy.simulatedEmail")}</li>
      </ul>
      <h2>{t("privacy.howLongHeading")}</h2>
      <p>
        {t("privacy.howLong")}
        {data.retentionMonths ? ` ${t("privacy.retention", { months: data.retentionMonths })}` : null}
      </p>
      <h2>{t("discreet.privacyHeading")}</h2>
      <p>{t("discreet.privacyIntro")}</p>
      <ul>
        <li>{t("discreet.privacyStatement")}</li>
        <li>{t("discreet.privacyEmail")}</li>
        <li>{t("discreet.privacyNoEmail")}</li>
        <li>{t("discreet.privacyFields")}</li>
        <li>{t("discreet.privacyRetention", { days: DISCREET_ONE_OFF_RETENTION_DAYS })}</li>
      </ul>
      <p>{data.onionOrigin ? t("discreet.privacyOnion", { onion: data.onionOrigin }) : t("discreet.privacyNoOnion")}</p>
      <h2>{t("privacy.controlHeading")}</h2>
      <p>
        {t("privacy.control")} <Link to="/account">{t("thanks.accountLink")}</Link>
      </p>
      {data.contactEmail ? (
        <p>
          {t("privacy.contact", { email: "\u0000" })
            .split("\u0000")
            .flatMap((part, i) =>
              i === 0
                ? [part]
                : [
                    <a key="email" href={`mailto:${data.contactEmail}`}>
                      {data.contactEmail}
                    </a>,
                    part,
                  ],
            )}
        </p>
      ) : null}
      <p>
        <Link to="/">{t("privacy.back")}</Link>
      </p>
    </article>
  );
}
