import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { getCheckoutStatus } from "~/giving/checkout.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";

export const meta: MetaFunction = () => [{ title: "Thank you" }, { name: "robots", content: "noindex" }];

const QuerySchema = z.object({ ref: z.uuid() });

/** Reads the checkout's state from our database; the query string carries only an opaque id. */
export async function loader({ request }: LoaderFunctionArgs) {
  const query = QuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const status = query.success ? await getCheckoutStatus(getDb(), { checkoutId: query.data.ref }) : null;
  return json({ status }, { headers: { "Cache-Control": "no-store" } });
}

export default function Thanks() {
  const { status } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const waiting = status?.status === "open" || status?.status === "processing";
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [waiting, revalidator]);

  if (!status) {
    return (
      <div className="narrow panel">
        <h1>Thank you</h1>
        <p>{t("thanks.unknown")}</p>
        <p>
          <Link to="/">Back to the campaign</Link>
        </p>
      </div>
    );
  }
  const what = status.planName ?? status.campaignName;
  const amount = formatMoney(status.amountMinor, status.currency);
  const retry = status.kind === "tier_monthly" || status.kind === "tier_one_time" ? "/support" : `/c/${status.campaignSlug}`;
  return (
    <div className="narrow panel" aria-live="polite">
      {status.status === "completed" ? (
        <>
          <h1>{t("thanks.confirmedHeading")}</h1>
          <p>{t("thanks.confirmed", { amount, what })}</p>
          {status.receiptNumber ? <p>Receipt number: {status.receiptNumber}</p> : null}
          <p>
            <Link to={`/c/${status.campaignSlug}`}>See the campaign</Link>
          </p>
        </>
      ) : status.status === "failed" ? (
        <>
          <h1>{t("thanks.failedHeading")}</h1>
          <p>{t("thanks.failed")}</p>
          <p>
            <Link to={retry} className="button-secondary">
              {t("thanks.tryAgain")}
            </Link>
          </p>
        </>
      ) : (
        <>
          {/* Without JavaScript, the page reloads itself until the payment is confirmed. */}
          <noscript>
            <meta httpEquiv="refresh" content="3" />
          </noscript>
          <h1>{t("thanks.processingHeading")}</h1>
          <p>
            <span className="spinner" aria-hidden="true" /> {t("thanks.processing")}
          </p>
        </>
      )}
    </div>
  );
}
