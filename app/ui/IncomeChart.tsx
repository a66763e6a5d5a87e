import { currencyExponent, formatMoney } from "~/money";
import { t } from "~/i18n/t";

export type IncomeChartMonth = { month: string; netMinor: number };
export type IncomeChartProps = { months: IncomeChartMonth[]; currency: string; id?: string };

// Sized for a phone: in a 360 px screen's panel the chart is drawn at about 0.9:1, so its 12-unit text stays legible.
const WIDTH = 320;
const HEIGHT = 190;
const TOP = 10;
const BOTTOM = 34;
const RIGHT = 4;
const CHAR_WIDTH = 7.2;
const TICKS = 4;

const utcMonth = (month: string) => new Date(`${month}-01T00:00:00Z`);
const longMonth = new Intl.DateTimeFormat("en-AU", { month: "long", year: "numeric", timeZone: "UTC" });
const shortMonth = new Intl.DateTimeFormat("en-AU", { month: "narrow", timeZone: "UTC" });
export const monthName = (month: string) => longMonth.format(utcMonth(month));

/** A round step (1, 2, 2.5 or 5 × 10ⁿ whole units) that fits the largest bar in TICKS steps. */
function niceStep(maxMinor: number, currency: string): number {
  const unit = 10 ** currencyExponent(currency);
  const raw = Math.max(maxMinor / TICKS, unit);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(unit, Math.round(step / unit) * unit);
}

/** Where everything goes, in viewBox units: a pure function of the figures. */
export function layoutIncomeChart({ months, currency }: IncomeChartProps) {
  const max = Math.max(0, ...months.map((m) => m.netMinor));
  const step = niceStep(max, currency);
  const top = step * Math.max(1, Math.ceil(max / step));
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => ({
    valueMinor: i * step,
    label: formatMoney(i * step, currency),
  }));
  const left = Math.ceil(Math.max(...ticks.map((t) => t.label.length)) * CHAR_WIDTH) + 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - left - RIGHT) / Math.max(1, months.length);
  const y = (valueMinor: number) => TOP + plotHeight - (valueMinor / top) * plotHeight;
  return {
    width: WIDTH,
    height: HEIGHT,
    left,
    baseline: y(0),
    ticks: ticks.map((t) => ({ ...t, y: y(t.valueMinor) })),
    bars: months.map((m, i) => {
      const date = utcMonth(m.month);
      const height = y(0) - y(m.netMinor);
      return {
        ...m,
        name: monthName(m.month),
        amount: formatMoney(m.netMinor, currency),
        initial: shortMonth.format(date),
        // The year under the first bar and under each January, so a letter is never ambiguous for long.
        year: i === 0 || date.getUTCMonth() === 0 ? String(date.getUTCFullYear()) : null,
        centre: left + slot * (i + 0.5),
        x: left + slot * i + slot * 0.15,
        y: y(0) - height,
        width: slot * 0.7,
        height,
      };
    }),
  };
}

/**
 * Net income per month as a bar chart drawn on the server: plain SVG, no script. The figures are
 * also in a visually hidden table, which is what a screen reader reads.
 */
export function IncomeChart(props: IncomeChartProps) {
  const id = props.id ?? "income-chart";
  const chart = layoutIncomeChart(props);
  const first = chart.bars[0];
  const last = chart.bars[chart.bars.length - 1];
  const best = first ? chart.bars.reduce((a, b) => (b.netMinor > a.netMinor ? b : a), first) : undefined;
  return (
    <figure className="income-chart">
      <svg
        viewBox={`0 0 ${chart.width} ${chart.height}`}
        width="100%"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>{t("admin.incomeChart.netIncomePerMonth")}</title>
        <desc id={`${id}-desc`}>
          {first && last && best
            ? t("admin.incomeChart.barChartOfNetIncome", {
                currency: String(props.currency),
                name: String(first.name),
                name2: String(last.name),
                name3: String(best.name),
                amount: String(best.amount),
              })
            : t("admin.incomeChart.noMonthsToShow")}
        </desc>
        <g className="income-axis">
          {chart.ticks.map((t) => (
            <g key={t.valueMinor}>
              <line className="income-grid" x1={chart.left} x2={chart.width} y1={t.y} y2={t.y} />
              <text x={chart.left - 6} y={t.y} dy="0.35em" textAnchor="end">
                {t.label}
              </text>
            </g>
          ))}
        </g>
        {chart.bars.map((b) => (
          <g key={b.month}>
            <rect className="income-bar" x={b.x} y={b.y} width={b.width} height={b.height}>
              <title>{`${b.name}: ${b.amount}`}</title>
            </rect>
            <text className="income-month" x={b.centre} y={chart.baseline + 15} textAnchor="middle">
              {b.initial}
            </text>
            {b.year ? (
              <text className="income-year" x={b.centre} y={chart.baseline + 29} textAnchor="middle">
                {b.year}
              </text>
            ) : null}
          </g>
        ))}
        <line className="income-baseline" x1={chart.left} x2={chart.width} y1={chart.baseline} y2={chart.baseline} />
      </svg>
      <table className="visually-hidden">
        <caption>
          {t("admin.incomeChart.netIncomePerMonth2")} {props.currency}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.incomeChart.month")}</th>
            <th scope="col">{t("admin.incomeChart.netIncome")}</th>
          </tr>
        </thead>
        <tbody>
          {chart.bars.map((b) => (
            <tr key={b.month}>
              <th scope="row">{b.name}</th>
              <td>{b.amount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
