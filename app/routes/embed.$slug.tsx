import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { getPublicAppeal } from "~/campaigns/appeal.server";
import { getEnv } from "~/env.server";
import { isLocale } from "~/i18n/locales";
import { requestLocale } from "~/i18n/request-locale.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { contentSecurityPolicy } from "~/security-headers.server";
import { useNonce } from "~/ui/nonce";
import { NO_PAGE_SCRIPT, type PageScriptHandle } from "~/ui/page-scripts";
import { ProgressBar } from "~/ui/ProgressBar";

/**
 * The appeal block other sites frame (ADR 044): the campaign's progress and a choice of frequency
 * and amount, whose button opens the campaign page at the top level with that choice preselected
 * (Checkout never runs in a frame). A plain GET form: it works without JavaScript, sets no cookie
 * (isCookieFreePath) and loads nothing from the build. Only the sites an admin listed may frame it.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? t("donate.heading", { campaign: data.campaign.name }) : t("meta.campaignNotFound") },
];

// No React, no Remix runtime on someone else's article page: the one script is the height below.
export const handle: PageScriptHandle = { pageScript: NO_PAGE_SCRIPT };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const appeal = await getPublicAppeal(getDb(), { slug: params.slug });
  if (!appeal) throw new Response("Campaign not found", { status: 404 });
  const env = getEnv();
  const { campaign, progress, embedOrigins } = appeal;
  const headers: Record<string, string> = {
    // This response's own policy: the same as every page's, but framed by the listed sites only.
    "Content-Security-Policy": contentSecurityPolicy({
      nonce: String(context.cspNonce),
      env,
      frameAncestors: embedOrigins,
    }),
    // Fresh within a minute on every article view, and kept by shared caches: nothing in it is personal.
    "Cache-Control": "public, max-age=60",
  };
  // Older browsers ignore frame-ancestors; with no site allowed they are told as every page tells them.
  if (embedOrigins.length === 0) headers["X-Frame-Options"] = "DENY";
  return json(
    {
      campaign: {
        slug: campaign.slug,
        name: campaign.name,
        headline: campaign.headline,
        presets: campaign.presetAmountsMinor.map((amountMinor) => ({
          amountMinor,
          label: formatMoney(amountMinor, campaign.currency),
        })),
      },
      progress,
      site: new URL(env.appUrl).host,
      // A language the host site asked for (`?lang=ru`, ADR 049) carries on to the campaign page.
      lang: isLocale(new URL(request.url).searchParams.get("lang")) ? requestLocale() : null,
    },
    { headers },
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

/**
 * Tells the page around the frame how tall the block is, whenever that changes, so that its
 * snippet (docs/embedding.md) can size the frame. Sent to any origin: it says nothing but a height,
 * and the parent's snippet checks where the message came from.
 */
const HEIGHT_SCRIPT = `(function(){if(window.parent===window)return;var box=document.querySelector(".embed"),last=0;function send(){var h=Math.ceil(box.getBoundingClientRect().height);if(h===last)return;last=h;window.parent.postMessage({type:"fighting-fund:embed-height",height:h},"*")}send();if(window.ResizeObserver)new ResizeObserver(send).observe(box);else window.addEventListener("resize",send)})();`;

const FREQUENCIES = ["once", "monthly"] as const;

export default function EmbedRoute() {
  const { campaign, progress, site, lang } = useLoaderData<typeof loader>();
  const nonce = useNonce();
  const defaultPreset = campaign.presets[1]?.amountMinor ?? campaign.presets[0]?.amountMinor;
  // The button says what it will do, following the radios by CSS alone (as the donate form's does);
  // where :has() is unknown it says "Give now".
  const variants = FREQUENCIES.flatMap((frequency) =>
    campaign.presets.map((p) => ({
      className: `give-${frequency}-${p.amountMinor}`,
      selector: `.embed-form:has(#embed-${frequency}:checked):has(#embed-amount-${p.amountMinor}:checked) .give-${frequency}-${p.amountMinor}`,
      text: t(frequency === "once" ? "embed.giveOnce" : "embed.giveMonthly", { amount: p.label }),
    })),
  );
  const buttonRules = [
    ".embed-form .give-variant{display:none}",
    `@supports selector(:has(*)){.embed-form .give-generic{display:none}${variants.map((v) => `${v.selector}{display:inline}`).join("")}}`,
  ].join("\n");
  return (
    <main className="embed" id="main">
      <p className="eyebrow">{campaign.name}</p>
      <h1 className="embed-title">{campaign.headline}</h1>
      <ProgressBar {...progress} />
      {/* target=_top: the campaign page, and Checkout after it, open in the reader's own window. */}
      <form method="get" action={`/c/${campaign.slug}#donate-heading`} target="_top" className="embed-form">
        <style>{buttonRules}</style>
        {lang ? <input type="hidden" name="lang" value={lang} /> : null}
        <fieldset className="segmented">
          <legend>{t("donate.frequency")}</legend>
          {FREQUENCIES.map((value) => (
            <label key={value} className="segment">
              <input
                type="radio"
                name="frequency"
                id={`embed-${value}`}
                value={value}
                defaultChecked={value === "once"}
              />
              <span>{t(value === "once" ? "donate.once" : "donate.monthly")}</span>
            </label>
          ))}
        </fieldset>
        {campaign.presets.length > 0 ? (
          <fieldset className="amounts" aria-describedby="embed-other-amount">
            <legend>{t("donate.amount")}</legend>
            <div className="amount-options">
              {campaign.presets.map((p) => (
                <label key={p.amountMinor} className="amount-option">
                  <input
                    type="radio"
                    name="amount"
                    id={`embed-amount-${p.amountMinor}`}
                    value={p.amountMinor}
                    defaultChecked={p.amountMinor === defaultPreset}
                  />
                  <span>{p.label}</span>
                </label>
              ))}
            </div>
            <p className="hint" id="embed-other-amount">
              {t("embed.otherAmount")}
            </p>
          </fieldset>
        ) : null}
        <button type="submit" className="give-button">
          <span className="give-generic">{t("embed.give")}</span>
          {variants.map((v) => (
            <span key={v.className} className={`give-variant ${v.className}`}>
              {v.text}
            </span>
          ))}
        </button>
        <p className="embed-note">{t("embed.opensOurSite", { site })}</p>
      </form>
      <script nonce={nonce} dangerouslySetInnerHTML={{ __html: HEIGHT_SCRIPT }} />
    </main>
  );
}
