// Benchmark results: printed as a table and appended to docs/performance.md.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./server";

export type Result = {
  benchmark: string;
  /** What was measured, with its unit: "1,234 events/s". */
  figure: string;
  baseline?: string;
  /** figure / baseline, when there is one. */
  ratio?: number;
  /** The target, as text: "≥ 35% of baseline". */
  target: string;
  met: boolean | null;
};

export const PERFORMANCE_DOC = path.join(ROOT, "docs", "performance.md");
const RESULTS_MARKER = "<!-- benchmark results: appended by scripts/bench -->";

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const percent = (ratio: number) => `${fmt(ratio * 100, 0)}%`;

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return "unknown";
  }
}

/** How busy the machine was: benchmarks on two shared cores are only comparable with this beside them. */
export function machineNote(): string {
  return `load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`;
}

export function printResults(results: Result[]) {
  const rows = results.map((r) => [
    r.benchmark,
    r.figure,
    r.baseline ?? "—",
    r.ratio === undefined ? "—" : percent(r.ratio),
    r.target,
    r.met === null ? "—" : r.met ? "yes" : "NO",
  ]);
  const header = ["benchmark", "figure", "baseline", "ratio", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log("");
  console.log(line(header));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log("");
}

/** Appends one table row per result to docs/performance.md (benchmark, figure, baseline, ratio, target, date, commit). */
export function appendResults(results: Result[], note: string) {
  if (!existsSync(PERFORMANCE_DOC) || !readFileSync(PERFORMANCE_DOC, "utf8").includes(RESULTS_MARKER)) {
    throw new Error(`${PERFORMANCE_DOC} has no results table (the marker ${RESULTS_MARKER} is missing)`);
  }
  const date = new Date().toISOString().slice(0, 10);
  const sha = commit();
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const lines = results.map(
    (r) =>
      `| ${cell(r.benchmark)} | ${cell(r.figure)} | ${cell(r.baseline ?? "—")} | ${r.ratio === undefined ? "—" : percent(r.ratio)} | ${cell(r.target)}${r.met === false ? " (not met)" : ""} | ${date} | ${sha} | ${cell(note)} |`,
  );
  appendFileSync(PERFORMANCE_DOC, lines.join("\n") + "\n");
}
