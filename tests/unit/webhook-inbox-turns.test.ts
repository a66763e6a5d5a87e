import { describe, expect, it } from "vitest";
import { Turns } from "~/payments/webhook-inbox.server";

describe("kept deliveries take turns (ADR 055)", () => {
  it("applies at most `size` at once, the rest in the order they came, every one in the end", async () => {
    const turns = new Turns(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const work = (n: number) => async () => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (n === 4) throw new Error("this one fails");
      return n;
    };
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => turns.run(work(n))));
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "failed"))).toEqual([
      0,
      1,
      2,
      3,
      "failed",
      5,
      6,
      7,
      8,
      9,
    ]);
    // A failure gave its turn back: three can run at once again.
    running = 0;
    most = 0;
    await Promise.all([10, 11, 12].map((n) => turns.run(work(n))));
    expect(most).toBe(3);
  });
});
