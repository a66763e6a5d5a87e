import zlib from "node:zlib";

/**
 * A text with holes (the cached public pages: ADR 021, their nonce and CSRF token), kept ready to
 * be sent whole or gzipped with each reader's own strings in the holes (ADR 053). Gzipping the
 * whole page for every reader cost more than everything else the server does for it.
 *
 * Each fixed part is compressed once, as raw DEFLATE by a compressor of its own, ended with a
 * sync flush: its blocks end on a byte boundary, so the parts can be put side by side with
 * anything between them (they refer back only to the parts before them: see the constructor).
 * A hole's bytes go between them as stored (uncompressed) blocks, and the last part ends the
 * stream (a final block). The gzip trailer's CRC-32 is the parts' CRCs, computed once, combined with the holes' (crc32Combine):
 * per reader nothing is compressed and only the holes' few bytes are read.
 */

/** Something sendBuffered can send as it is or gzipped, without making the one it does not send. */
export type PreparedBody = {
  /** Of the body as it is, before any compression (the threshold is about this). */
  readonly byteLength: number;
  plain(): Buffer;
  gzipped(): Buffer;
};

// An empty gzip header: no name, no time (0), unix (as Node's own gzip writes it).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);
/** DEFLATE's window: how far back a part may refer. */
const WINDOW = 32 * 1024;
/** The most bytes a stored block holds. */
const STORED_MAX = 0xffff;
/** Pages are compressed once per render (at most once a second each): the smallest output is worth the time. */
const LEVEL = 9;

type Part = { text: Buffer; deflated: Buffer; crc: number; lengthOperator: number };

export class Template {
  private readonly parts: Part[];
  private readonly fixedLength: number;
  private readonly fixedDeflatedLength: number;
  /** Set when the parts refer back across the holes: fills of other lengths are then gzipped whole. */
  private readonly usualFillLengths: readonly number[] | null;

  /**
   * `parts` has one more element than there are holes: the text before, between and after them.
   * `usualFillLengths`: the length in bytes each hole's fill usually has (a nonce's, a token's).
   */
  constructor(parts: readonly string[], usualFillLengths?: readonly number[]) {
    if (parts.length === 0) throw new Error("Template: at least one part");
    const texts = parts.map((part) => Buffer.from(part, "utf8"));
    // Given the fills' usual lengths, each part may refer back to the parts before it: it is
    // compressed with them as its dictionary, zero bytes standing where the holes are. For fills of
    // those lengths every distance is then right, and no match takes a byte of a hole, since there
    // is no zero byte in the text (HTML has none) for one to match.
    const windowed = usualFillLengths?.length === texts.length - 1 && !texts.some((text) => text.includes(0));
    let before = Buffer.alloc(0);
    this.parts = texts.map((text, i) => {
      const last = i === texts.length - 1;
      const deflated = zlib.deflateRawSync(text, {
        level: LEVEL,
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        ...(before.length > 0 ? { dictionary: before } : {}),
      });
      if (windowed && !last)
        before = Buffer.concat([before, text, Buffer.alloc(usualFillLengths[i]!)]).subarray(-WINDOW);
      return { text, deflated, crc: zlib.crc32(text), lengthOperator: crc32LengthOperator(text.length) };
    });
    this.usualFillLengths = windowed ? usualFillLengths : null;
    this.fixedLength = this.parts.reduce((sum, part) => sum + part.text.length, 0);
    this.fixedDeflatedLength = this.parts.reduce((sum, part) => sum + part.deflated.length, 0);
  }

  get holes(): number {
    return this.parts.length - 1;
  }

  /** The body with `fills` (one per hole, in order) in the holes. */
  fill(fills: readonly string[]): PreparedBody {
    if (fills.length !== this.holes) throw new Error(`Template: ${this.holes} fills expected, not ${fills.length}`);
    const lengths = fills.map((fill) => Buffer.byteLength(fill, "utf8"));
    const byteLength = lengths.reduce((sum, length) => sum + length, this.fixedLength);
    return {
      byteLength,
      plain: () => this.plain(fills, byteLength),
      gzipped: () => this.gzipped(fills, lengths, byteLength),
    };
  }

  private plain(fills: readonly string[], byteLength: number): Buffer {
    const body = Buffer.allocUnsafe(byteLength);
    let at = this.parts[0]!.text.copy(body, 0);
    fills.forEach((fill, i) => {
      at += body.write(fill, at, "utf8");
      at += this.parts[i + 1]!.text.copy(body, at);
    });
    return body;
  }

  private gzipped(fills: readonly string[], lengths: number[], byteLength: number): Buffer {
    const usual = this.usualFillLengths;
    if (usual && lengths.some((length, i) => length !== usual[i])) return zlib.gzipSync(this.plain(fills, byteLength));
    const stored = lengths.reduce((sum, length) => sum + length + 5 * Math.max(1, Math.ceil(length / STORED_MAX)), 0);
    const body = Buffer.allocUnsafe(GZIP_HEADER.length + this.fixedDeflatedLength + stored + 8);
    let at = GZIP_HEADER.copy(body, 0);
    const first = this.parts[0]!;
    at += first.deflated.copy(body, at);
    let crc = first.crc;
    fills.forEach((fill, i) => {
      const byteLength = lengths[i]!;
      // Stored blocks, not final (the last part ends the stream): BFINAL 0, BTYPE 00, then LEN and its complement.
      if (byteLength <= STORED_MAX) {
        // A nonce, a token: written straight in, without a buffer of their own.
        writeStoredHeader(body, at, byteLength);
        at += 5;
        at += body.write(fill, at, "utf8");
      } else {
        const bytes = Buffer.from(fill, "utf8");
        let offset = 0;
        do {
          const length = Math.min(STORED_MAX, bytes.length - offset);
          writeStoredHeader(body, at, length);
          at += 5;
          at += bytes.copy(body, at, offset, offset + length);
          offset += length;
        } while (offset < bytes.length);
      }
      crc = crc32Combine(crc, zlib.crc32(fill), crc32LengthOperator(byteLength));
      const part = this.parts[i + 1]!;
      at += part.deflated.copy(body, at);
      crc = crc32Combine(crc, part.crc, part.lengthOperator);
    });
    body.writeUInt32LE(crc >>> 0, at);
    body.writeUInt32LE(byteLength >>> 0, at + 4);
    return body;
  }
}

/** A stored block's header, not final: BFINAL 0, BTYPE 00 (byte-aligned), LEN and its complement. */
function writeStoredHeader(body: Buffer, at: number, length: number) {
  body[at] = 0x00;
  body.writeUInt16LE(length, at + 1);
  body.writeUInt16LE(~length & 0xffff, at + 3);
}

// CRC-32 combination, as zlib's crc32_combine: the CRC of A followed by B from the CRCs of A and
// B and B's length. Polynomials over GF(2) in zlib's reflected bit order (x^0 is the top bit).
const POLY = 0xedb88320;

/** a·b modulo the CRC polynomial. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the CRC polynomial, k = 0…31. */
const X_POW_2K: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X_POW_2K.push(multiplyModP(X_POW_2K[k - 1]!, X_POW_2K[k - 1]!));

const operators = new Map<number, number>();

/** x^(8·length) modulo the CRC polynomial: what crc32Combine shifts the first CRC by. */
export function crc32LengthOperator(length: number): number {
  let operator = operators.get(length);
  if (operator === undefined) {
    operator = 0x80000000;
    let k = 3;
    for (let n = length; n > 0; n = Math.floor(n / 2), k++) {
      if (n % 2 === 1) operator = multiplyModP(X_POW_2K[k % 32]!, operator);
    }
    // The holes' lengths repeat (a nonce, a token); a part's is computed once per render.
    if (length < 1024) operators.set(length, operator);
  }
  return operator;
}

/** The CRC-32 of A followed by B, from crc32(A), crc32(B) and crc32LengthOperator(B's length). */
export function crc32Combine(crcA: number, crcB: number, lengthOperatorB: number): number {
  return (multiplyModP(lengthOperatorB, crcA) ^ crcB) >>> 0;
}
