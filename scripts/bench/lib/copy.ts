// Bulk loading with COPY … FROM STDIN in PostgreSQL's text format: one statement per table,
// rows streamed with back-pressure, never held in memory all at once.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sql } from "postgres";
import type { Progress } from "./progress";

export type CopyValue = string | number | boolean | Date | null | undefined;

/** A value in COPY's text format: \N for null, backslash escapes for the characters that delimit. */
export function copyText(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : value;
}

export function copyLine(values: CopyValue[]): string {
  return values.map(copyText).join("\t") + "\n";
}

/**
 * Streams rows into `table`. `rows` yields arrays of values in `columns` order; they are sent in
 * chunks of a few hundred kilobytes. Returns how many rows were sent.
 */
export async function copyInto(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: Iterable<CopyValue[]> | AsyncIterable<CopyValue[]>,
  progress?: Progress,
): Promise<number> {
  const writable = await sql.unsafe(`copy ${table} (${columns.join(", ")}) from stdin`).writable();
  let count = 0;
  async function* chunks() {
    let chunk = "";
    let inChunk = 0;
    for await (const row of rows) {
      chunk += copyLine(row);
      inChunk += 1;
      if (chunk.length > 256 * 1024) {
        yield chunk;
        count += inChunk;
        progress?.add(inChunk);
        chunk = "";
        inChunk = 0;
      }
    }
    if (chunk) {
      yield chunk;
      count += inChunk;
      progress?.add(inChunk);
    }
  }
  await pipeline(Readable.from(chunks()), writable);
  return count;
}
