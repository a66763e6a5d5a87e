import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { formatDate } from "~/dates";
import { getThanksPage, type WhatNext } from "~/giving/thanks.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { retryPath } from "~/giving/retry-path";

export const meta: MetaFunction = () => [{ title: "Thank you" }, { name: "robots", content: "noindex" }];

const QuerySchema = z.object({ ref: z.uuid() });

/** Reads the checkout's state from our database; the query string carries only an opaque id. */
export async function loader({ request }: LoaderFunctionArgs) {
  const query = QuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const page = query.success ? await getThanksPage(getDb(), { checkoutId: query.data.ref }) : null;
  return json({ status: page?.status ?? null, next: page?.next ?? null }, { headers: { "Cache-Control": "no-store" } });
}

/** How often, when next, until when, and when the first print edition comes: what the supporter needs to know now. */
function WhatHappensNext({ next, kind, amount, what }: { next: WhatNext; kind: string; amount: string; what: string }) {
  const date = (iso: string) => formatDate(iso, next.timeZone);
  const opening = t("thanks.recorded", { amount, what });
  const how =
    next.frequency === "year" && next.coversUntil
      ? t("thanks.year", { date: date(next.coversUntil) })
      : next.frequency === "monthly"
        ? t(kind === "monthly" ? "thanks.monthlyGift" : "thanks.monthlyTier", { amount })
        : null;
  return (
    <>
      <p>
        {opening}
        {how ? ` ${how}` : null}
      </p>
      {next.nextPaymentAt ? <p>{t("thanks.nextPayment", { date: date(next.nextPaymentAt) })}</p> : null}
      {next.endsAt ? <p>{t("thanks.endsAt", { date: date(next.endsAt) })}</p> : null}
      {next.pausedUntil ? <p>{t("thanks.pausedUntil", { date: date(next.pausedUntil) })}</p> : null}
      {next.firstEditionBy ? <p>{t("thanks.firstEdition", { date: date(next.firstEditionBy) })}</p> : null}
    </>
  );
}

export default function Thanks() {
  const { status, next } = useLoaderData<typeof loader>();
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
  // A gift goes back to its form filled in as the reader left it (in the browser that started it, ADR 040).
  const retry = status.kind === "tier_monthly" || status.kind === "tier_one_time" ? "/support" : retryPath(`/c/${status.campaignSlug}`, status.id);
  return (
    <div className="narrow panel" aria-live="polite">
      {status.status === "completed" ? (
        <>
          <h1>{t("thanks.confirmedHeading")}</h1>
          {next ? (
            <>
              <WhatHappensNext next={next} kind={status.kind} amount={amount} what={what} />
              <p>{t("thanks.receiptSent")}</p>
            </>
          ) : (
            <p>{t("thanks.confirmed", { amount, what })}</p>
          )}
          {status.receiptNumber ? <p>Receipt number: {status.receiptNumber}</p> : null}
          {next?.frequency === "monthly" ? (
            <p>
              {t("thanks.manage")} <Link to="/account">{t("thanks.manageLink")}</Link>
            </p>
          ) : next?.frequency === "year" ? (
            <p>
              {t("thanks.manageYear")} <Link to="/account">{t("thanks.accountLink")}</Link>
            </p>
          ) : null}
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
