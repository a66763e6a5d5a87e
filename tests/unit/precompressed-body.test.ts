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
    for (let i = 0; i < 100; i++) {
      const holes = randomInt(0, 6);
      const parts = Array.from({ length: holes + 1 }, () =>
        randomInt(0, 4) === 0 ? "" : randomBytes(randomInt(1, 4_000)).toString(randomInt(0, 2) ? "hex" : "latin1"),
      );
      const template = new Template(parts);
      for (let reader = 0; reader < 5; reader++) {
        const fills = Array.from({ length: holes }, () => randomBytes(randomInt(0, 40)).toString("base64url"));
        const body = template.fill(fills);
        const expected = Buffer.from(parts.map((part, n) => part + (fills[n] ?? "")).join(""), "utf8");
        expect(body.plain().equals(expected)).toBe(true);
        expect(body.byteLength).toBe(expected.length);
        expect(gunzipSync(body.gzipped()).equals(expected)).toBe(true);
      }
    }
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
