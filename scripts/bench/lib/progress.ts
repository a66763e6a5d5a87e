// A one-line progress bar on stderr (a line per tenth when stderr is not a terminal).

const WIDTH = 28;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class Progress {
  private done = 0;
  private lastDraw = 0;
  private lastTenth = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = "rows",
  ) {}

  add(n: number) {
    this.done += n;
    const now = Date.now();
    if (now - this.lastDraw >= 250 || this.done >= this.total) this.draw(now);
  }

  finish() {
    this.done = Math.max(this.done, this.total);
    this.draw(Date.now());
    if (process.stderr.isTTY) process.stderr.write("\n");
  }

  private draw(now: number) {
    this.lastDraw = now;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const elapsed = now - this.started;
    const rate = elapsed > 0 ? Math.round((this.done * 1000) / elapsed) : 0;
    const filled = Math.round(fraction * WIDTH);
    const line = `${this.label.padEnd(14)} ▕${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}▏ ${String(Math.floor(fraction * 100)).padStart(3)}%  ${this.done.toLocaleString("en")}/${this.total.toLocaleString("en")} ${this.unit}  ${rate.toLocaleString("en")}/s  ${duration(elapsed)}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\x1b[K`);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth !== this.lastTenth) {
        this.lastTenth = tenth;
        process.stderr.write(`${line}\n`);
      }
    }
  }
}
