import type { CampaignProgress } from "~/campaigns/campaigns.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";

export type ProgressProps = CampaignProgress;

/** The funding target filling up: a bar to look at, with every figure also in words. */
export function ProgressBar(progress: ProgressProps) {
  const raised = formatMoney(progress.raisedMinor, progress.currency);
  const target = formatMoney(progress.targetMinor, progress.currency);
  const fill = Math.min(100, Math.max(0, progress.percent));
  return (
    <section className="progress" aria-labelledby="progress-heading">
      <h2 id="progress-heading" className="progress-figure">
        {t("progress.raised", { raised, target })}
      </h2>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fill}
        aria-valuetext={t("progress.percent", { percent: progress.percent })}
        aria-label={t("progress.label")}
      >
        {/* Nothing raised: nothing drawn (the fill's minimum width would show a sliver). */}
        {progress.raisedMinor > 0 ? <div className="progress-fill" style={{ width: `${fill}%` }} /> : null}
      </div>
      <dl className="progress-stats">
        <div>
          <dt>{t("progress.target")}</dt>
          <dd>{t("progress.percent", { percent: progress.percent })}</dd>
        </div>
        <div>
          <dt>{t("progress.supportersLabel")}</dt>
          <dd>{t("progress.supporters", { count: progress.supporters })}</dd>
        </div>
        <div>
          <dt>{t("progress.time")}</dt>
          <dd>
            {progress.daysLeft === null
              ? t("progress.ongoing")
              : progress.daysLeft === 0
                ? t("progress.ended")
                : t("progress.daysLeft", { count: progress.daysLeft })}
          </dd>
        </div>
      </dl>
      {/* Gifts in other currencies not settled yet: said, never silently mixed in (ADR 050). */}
      {progress.unconverted.estimatedGifts > 0 ? (
        <p className="hint progress-estimate">
          {t("currency.estimate", { count: progress.unconverted.estimatedGifts })}
        </p>
      ) : null}
      {progress.unconverted.pendingGifts > 0 ? (
        <p className="hint progress-estimate">{t("currency.pending", { count: progress.unconverted.pendingGifts })}</p>
      ) : null}
    </section>
  );
}
