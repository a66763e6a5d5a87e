import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { issueCsrfToken } from "~/auth/csrf.server";
import { checkoutNow } from "~/giving/checkout-clock.server";
import { waitingPage } from "~/giving/wait-ticket.server";
import { t } from "~/i18n/t";

/**
 * The waiting page (docs/decisions/045-waiting-instead-of-javascript.md): where a reader without
 * JavaScript is sent past the checkout limits of a busy address. Its state is the sealed ff_wait
 * cookie the form's answer set: while the ticket's wait runs, the page says why and how long and
 * refreshes itself (a meta refresh, no script; `?refresh=off` turns that off); once it is over,
 * one press sends the gift, carried in hidden fields, back to the form it came from with the
 * ticket. Nothing personal in the address.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title:
      data?.state === "waiting"
        ? t("wait.title")
        : data?.state === "ready"
          ? t("wait.readyTitle")
          : t("wait.goneTitle"),
  },
  { name: "robots", content: "noindex" },
  ...(data?.state === "waiting" && data.autoRefresh ? [{ httpEquiv: "refresh", content: String(data.seconds) }] : []),
];

export async function loader({ request }: LoaderFunctionArgs) {
  const csrf = await issueCsrfToken(request);
  const page = waitingPage(request, { now: checkoutNow(), csrf: csrf.token });
  return json(page, {
    status: page.state === "gone" ? 410 : 200,
    headers: { ...csrf.headers, "Cache-Control": "private, no-store" },
  });
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function WaitPage() {
  const data = useLoaderData<typeof loader>();
  if (data.state === "gone")
    return (
      <div className="narrow panel wait-page">
        <h1>{t("wait.goneTitle")}</h1>
        <p>{t("wait.gone")}</p>
        <p>
          <a href={data.startPath}>{t("wait.startAgain")}</a>
        </p>
      </div>
    );
  if (data.state === "waiting")
    return (
      <div className="narrow panel wait-page">
        <h1>{t("wait.title")}</h1>
        <p className="lede" role="status">
          {data.message}
        </p>
        <p>
          {data.autoRefresh ? (
            <>
              {t("wait.refreshes")} <a href="?refresh=off">{t("wait.stopRefreshing")}</a>
            </>
          ) : (
            <>
              {t("wait.checkYourself")} <a href="?refresh=off">{t("wait.checkAgain")}</a>
            </>
          )}
        </p>
        <p className="hint">{t("wait.whyWaiting")}</p>
        <p>
          <a href={data.startPath}>{t("wait.startAgain")}</a>
        </p>
      </div>
    );
  return (
    <div className="narrow panel wait-page">
      <h1>{t("wait.readyTitle")}</h1>
      <p className="lede">{t("wait.ready")}</p>
      <form method="post" action={data.action}>
        <input type="hidden" name="csrf" value={data.csrf} />
        <input type="hidden" name="nojs" value="1" />
        <input type="hidden" name="waitTicket" value={data.ticket} />
        {data.values.map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <button type="submit" className="give-button">
          {t("wait.continue")}
        </button>
      </form>
    </div>
  );
}
