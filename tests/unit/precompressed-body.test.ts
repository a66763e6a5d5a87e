import { randomBytes, randomInt } from "node:crypto";
import { crc32, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Combine, crc32LengthOperator, Template } from "~/http/precompressed-body.server";

/**
 * A text with holes kept ready to be gzipped with each reader's strings in the holes (ADR 053):
 * the gzip stream it writes is what gunzip reads back byte for byte, and its CRC-32, combined from
 * the parts', is zlib's.
 */

describe("crc32Combine", () => {
  it("gives zlib's CRC-32 of two pieces of data one after the other", () => {
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [3, 5],
      [65_535, 65_536],
      [1, 300_000],
    ].concat(Array.from({ length: 200 }, () => [randomInt(0, 5_000), randomInt(0, 5_000)]))) {
      const first = randomBytes(a);
      const second = randomBytes(b);
      expect(crc32Combine(crc32(first), crc32(second), crc32LengthOperator(b)), `${a} + ${b}`).toBe(
        crc32(Buffer.concat([first, second])),
      );
    }
  });
});

describe("Template", () => {
  it("fills its holes, as it is and gzipped, with any strings of any length", () => {
    // Text that repeats across the holes (as a page's markup does), or random, or none.
    const words = ["<div class=", '"campaign"', ">", "Winter", " appeal", "</div>", "\n", "é", "€"];
    const text = (n: number) =>
      randomInt(0, 3) === 0
        ? randomBytes(n).toString("latin1")
        : Array.from({ length: n }, () => words[randomInt(0, words.length)]).join("");
    for (let i = 0; i < 100; i++) {
      const holes = randomInt(0, 6);
      const parts = Array.from({ length: holes + 1 }, () => (randomInt(0, 4) === 0 ? "" : text(randomInt(1, 3_000))));
      const usual = Array.from({ length: holes }, () => randomInt(0, 40));
      // With the fills' usual lengths or without; text holding a zero byte too (no page does).
      const template = new Template(parts, i % 3 === 0 ? undefined : usual);
      for (let reader = 0; reader < 5; reader++) {
        const fills = usual.map((length) =>
          randomBytes(reader === 4 ? randomInt(0, 40) : length)
            .toString("hex")
            .slice(0, reader === 4 ? undefined : length),
        );
        const body = template.fill(fills);
        const expected = Buffer.from(parts.map((part, n) => part + (fills[n] ?? "")).join(""), "utf8");
        expect(body.plain().equals(expected)).toBe(true);
        expect(body.byteLength).toBe(expected.length);
        expect(gunzipSync(body.gzipped()).equals(expected), `template ${i}, reader ${reader}`).toBe(true);
      }
    }
  });

  it("refers back across the holes when it knows how long their fills usually are", () => {
    const text = Array.from({ length: 300 }, (_v, i) => `<li class="gift-${i % 7}">${i * 37}</li>`).join("");
    const fills = ["a".repeat(24), "b".repeat(32)];
    const alone = new Template([text, text, text]).fill(fills).gzipped().length;
    const together = new Template([text, text, text], [24, 32]).fill(fills).gzipped().length;
    expect(together).toBeLessThan(alone / 2);
    // A fill of another length is still put in right (the page is gzipped whole).
    const other = new Template([text, text, text], [24, 32]).fill(["a".repeat(25), "b".repeat(32)]);
    expect(gunzipSync(other.gzipped()).toString("utf8")).toBe(text + "a".repeat(25) + text + "b".repeat(32) + text);
  });

  it("puts a fill longer than one stored block (64 KiB) in several", () => {
    const template = new Template(["<p>", "</p>"]);
    const fill = "é".repeat(100_000);
    expect(gunzipSync(template.fill([fill]).gzipped()).toString("utf8")).toBe(`<p>${fill}</p>`);
  });

  it("compresses the text around the holes", () => {
    const text = '<div class="campaign">Winter appeal</div>\n'.repeat(250);
    const body = new Template([text, text, text]).fill(["nonce", "token"]);
    expect(body.gzipped().length).toBeLessThan(body.byteLength / 10);
  });
});
