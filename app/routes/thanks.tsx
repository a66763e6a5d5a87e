import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useSyncExternalStore } from "react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { formatDate } from "~/dates";
import { issueCsrfToken } from "~/auth/csrf.server";
import { submitMakeMonthly } from "~/giving/donate-page.server";
import { checkoutFormResponse } from "~/http/checkout-form.server";
import { getAfterGift, getThanksPage, type AfterGift, type KeptReceipt, type WhatNext } from "~/giving/thanks.server";
import { ErrorSummary, Honeypot } from "~/ui/fields";
import { t } from "~/i18n/t";
import { formatMoney, formatMoneyNamed } from "~/money";
import { retryPath } from "~/giving/retry-path";

export const meta: MetaFunction = () => [{ title: t("thanks.title") }, { name: "robots", content: "noindex" }];

const QuerySchema = z.object({ ref: z.uuid() });

/** Reads the checkout's state from our database; the query string carries only an opaque id. */
export async function loader({ request }: LoaderFunctionArgs) {
  const query = QuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const page = query.success ? await getThanksPage(getDb(), { checkoutId: query.data.ref }) : null;
  const afterGift = page ? await getAfterGift(getDb(), request, page) : null;
  const csrf = afterGift?.oneStep ? await issueCsrfToken(request) : null;
  return json(
    {
      status: page?.status ?? null,
      next: page?.next ?? null,
      keptReceipt: page?.keptReceipt ?? null,
      afterGift,
      csrf: csrf?.token ?? null,
    },
    { headers: { ...csrf?.headers, "Cache-Control": "no-store" } },
  );
}

/** "Make it monthly": one press starts a monthly checkout for the same gift (ADR 040). */
export async function action({ request, context }: ActionFunctionArgs) {
  return checkoutFormResponse(
    await submitMakeMonthly(getDb(), request, { clientAddress: String(context.clientAddress ?? "unknown") }),
  );
}

const noSubscription = () => () => undefined;

/** The Web Share API where the browser has it: a tiny enhancement of the plain links beside it. */
function ShareButton({ url, title, text }: { url: string; title: string; text: string }) {
  // False on the server and in the first render, so hydration matches; the browser's answer after.
  const canShare = useSyncExternalStore(
    noSubscription,
    () => typeof navigator.share === "function",
    () => false,
  );
  if (!canShare) return null;
  return (
    <button
      type="button"
      className="button-secondary"
      onClick={() => void navigator.share({ url, title, text }).catch(() => undefined)}
    >
      {t("thanks.shareButton")}
    </button>
  );
}

/** After a one-off gift: make it monthly in one step, and share the campaign. */
function AfterOneOffGift({
  afterGift,
  csrf,
  refId,
  formError,
}: {
  afterGift: AfterGift;
  csrf: string | null;
  refId: string;
  formError?: string;
}) {
  const monthly = formatMoney(afterGift.monthlyTotalMinor, afterGift.currency);
  const subject = t("thanks.shareSubject", { campaign: afterGift.campaignName });
  const body = t("thanks.shareBody", { campaign: afterGift.campaignName, url: afterGift.campaignUrl });
  return (
    <>
      <section className="after-gift" aria-labelledby="monthly-heading">
        <h2 id="monthly-heading">{t("thanks.monthlyHeading")}</h2>
        <p>{t("thanks.monthlyPitch")}</p>
        {afterGift.oneStep && csrf ? (
          <form method="post" className="make-monthly">
            <ErrorSummary formError={formError} errors={undefined} labels={{}} />
            <input type="hidden" name="csrf" value={csrf} />
            <input type="hidden" name="ref" value={refId} />
            {/* No browser check runs on this page: past the checkout limits, every browser waits instead (ADR 045). */}
            <input type="hidden" name="nojs" value="1" />
            <Honeypot />
            <button type="submit" className="give-button">
              {t("thanks.monthlyButton", { amount: monthly })}
            </button>
          </form>
        ) : (
          <p>
            <Link to={afterGift.monthlyPath} className="button-secondary">
              {t("thanks.monthlyElsewhere", { amount: formatMoney(afterGift.amountMinor, afterGift.currency) })}
            </Link>
          </p>
        )}
      </section>
      {afterGift.discreet ? null : (
        <section className="after-gift share" aria-labelledby="share-heading">
          <h2 id="share-heading">{t("thanks.shareHeading")}</h2>
          <p>{t("thanks.sharePitch")}</p>
          <p className="share-link">
            <a href={afterGift.campaignUrl}>{afterGift.campaignUrl}</a>
          </p>
          <p className="button-row">
            <a
              className="button-secondary"
              href={`mailto:?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`}
            >
              {t("thanks.shareEmail")}
            </a>
            <ShareButton url={afterGift.campaignUrl} title={subject} text={body} />
          </p>
        </section>
      )}
    </>
  );
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

/** No email, as the reader chose (ADR 051): the receipt here, printable, and as a file to keep. */
function KeptReceiptPanel({ receipt, refId }: { receipt: KeptReceipt; refId: string }) {
  return (
    <section className="kept-receipt" aria-labelledby="kept-receipt-heading">
      <p>{t("discreet.thanksNoEmail")}</p>
      <h2 id="kept-receipt-heading">{t("discreet.receiptHeading", { number: receipt.receiptNumber })}</h2>
      <dl className="summary">
        <div>
          <dt>{t("discreet.receiptFrom")}</dt>
          <dd>{receipt.organisationName}</dd>
        </div>
        <div>
          <dt>{t("discreet.receiptDate")}</dt>
          <dd>{formatDate(receipt.paidAt, receipt.timeZone)}</dd>
        </div>
        <div>
          <dt>{t("discreet.receiptAmount")}</dt>
          <dd>{formatMoneyNamed(receipt.amountMinor, receipt.currency)}</dd>
        </div>
        <div>
          <dt>{t("discreet.receiptFor")}</dt>
          <dd>{receipt.description}</dd>
        </div>
      </dl>
      <p className="no-print">
        <a href={`/thanks/receipt.txt?ref=${refId}`} download={`receipt-${receipt.receiptNumber}.txt`}>
          {t("discreet.receiptDownload")}
        </a>
      </p>
      <p className="hint no-print">{t("discreet.receiptPrint")}</p>
    </section>
  );
}

export default function Thanks() {
  const { status, next, keptReceipt, afterGift, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
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
        <h1>{t("thanks.title")}</h1>
        <p>{t("thanks.unknown")}</p>
        <p>
          <Link to="/">{t("privacy.back")}</Link>
        </p>
      </div>
    );
  }
  const what = status.planName ?? status.campaignName;
  const amount = formatMoney(status.amountMinor, status.currency);
  // A gift goes back to its form filled in as the reader left it (in the browser that started it, ADR 040).
  const retry =
    status.kind === "tier_monthly" || status.kind === "tier_one_time"
      ? "/support"
      : retryPath(`/c/${status.campaignSlug}`, status.id);
  return (
    <div className="narrow panel" aria-live="polite">
      {status.status === "completed" ? (
        <>
          <h1>{t("thanks.confirmedHeading")}</h1>
          {next ? (
            <>
              <WhatHappensNext next={next} kind={status.kind} amount={amount} what={what} />
              {keptReceipt ? null : <p>{t("thanks.receiptSent")}</p>}
            </>
          ) : (
            <p>{t("thanks.confirmed", { amount, what })}</p>
          )}
          {status.receiptNumber ? <p>{t("thanks.receiptNumber", { number: status.receiptNumber })}</p> : null}
          {keptReceipt ? <KeptReceiptPanel receipt={keptReceipt} refId={status.id} /> : null}
          {next?.frequency === "monthly" ? (
            <p>
              {t("thanks.manage")} <Link to="/account">{t("thanks.manageLink")}</Link>
            </p>
          ) : next?.frequency === "year" ? (
            <p>
              {t("thanks.manageYear")} <Link to="/account">{t("thanks.accountLink")}</Link>
            </p>
          ) : null}
          {afterGift ? (
            <AfterOneOffGift afterGift={afterGift} csrf={csrf} refId={status.id} formError={actionData?.formError} />
          ) : null}
          <p>
            <Link to={`/c/${status.campaignSlug}`}>{t("thanks.seeCampaign")}</Link>
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
