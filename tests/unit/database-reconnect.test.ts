import { describe, expect, it } from "vitest";
import { reconnectDelaySeconds } from "@db/client.server";

describe("reconnecting to PostgreSQL after an outage", () => {
  it("tries again soon at first, and never waits more than a second however long the outage", () => {
    for (const random of [0, 0.5, 0.999]) {
      const delays = Array.from({ length: 40 }, (_, failures) => reconnectDelaySeconds(failures, () => random));
      expect(delays[0]).toBeLessThan(0.1);
      expect(Math.max(...delays)).toBeLessThanOrEqual(1);
      // Never shorter after more failures: a refused server is not hammered harder.
      expect(delays).toEqual([...delays].sort((a, b) => a - b));
    }
  });

  it("spreads processes out: the same failure count gives different delays", () => {
    expect(reconnectDelaySeconds(10, () => 0)).toBeLessThan(reconnectDelaySeconds(10, () => 0.999));
  });
});
