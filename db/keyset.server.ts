import { and, asc, desc, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { DB } from "./client.server";

/**
 * Keyset paging for every paged list (ADR 047): a page is the rows after a position in the list's
 * order, never an OFFSET, so the thousandth page costs what the first does.
 *
 * A position (a cursor) is the sort key of one row, part by part, joined by "~": a time to the
 * microsecond in UTC ("2026-12-04T09:30:00.123456Z", as the database prints it: a JavaScript
 * Date would drop the microseconds and skip rows), an integer (an id or a rank), a uuid or a
 * text id. Pages pass cursors along and never look inside; a cursor that is not one of the
 * list's (edited by hand, cut short in an email) reads as no position: the first page, never an
 * error, and it never reaches SQL except as typed parameters.
 */

export const CURSOR_PARTS = {
  time: z
    .string()
    .regex(/^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
    .refine((s) => {
      const ms = Date.parse(`${s.slice(0, 23)}Z`);
      // Date.parse rolls 30 February over into March: only a date that round-trips is real.
      return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 23) === s.slice(0, 23);
    }),
  // A PostgreSQL integer: a bigger number would be a database error, not "no such row".
  integer: z
    .string()
    .regex(/^(0|[1-9]\d{0,9})$/)
    .refine((s) => Number(s) <= 2_147_483_647),
  uuid: z.uuid(),
  // A provider's id: printable, without spaces (only ever a parameter).
  text: z.string().regex(/^[\x21-\x7E]{1,255}$/),
} as const;
export type CursorPart = keyof typeof CURSOR_PARTS;

const CASTS: Record<CursorPart, string> = { time: "timestamptz", integer: "integer", uuid: "uuid", text: "text" };

/** The cursor's text of a timestamp column: UTC to the microsecond. */
export const exactTime = (column: PgColumn) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export type Keyset = {
  parts: readonly CursorPart[];
  /** The zod schema of a cursor's text: its parts' values, in order. */
  schema: z.ZodType<string[], string>;
  /** A cursor from a URL: its values, or undefined (the first page) when it is not one of this list's. */
  parse(text: string | null | undefined): string[] | undefined;
  /** The cursor of a row: its sort key's values. */
  encode(values: readonly (string | number)[]): string;
  /** Rows before (`<`) or after (`>`) a position in ascending order of these columns. */
  compare(columns: readonly SQLWrapper[], op: "<" | ">" | "<=" | ">=", values: readonly string[]): SQL;
};

/** A list's cursor: the kinds of its sort key's parts, most significant first (the last breaks ties). */
export function keyset(parts: readonly CursorPart[]): Keyset {
  const schema = z
    .string()
    .max(400)
    .transform((text) => {
      // The last part takes the rest, so a text id may hold a "~".
      const values: string[] = [];
      let rest = text;
      for (let i = 0; i < parts.length - 1; i++) {
        const cut = rest.indexOf("~");
        if (cut < 0) return [];
        values.push(rest.slice(0, cut));
        rest = rest.slice(cut + 1);
      }
      values.push(rest);
      return values;
    })
    .pipe(z.tuple(parts.map((part) => CURSOR_PARTS[part]) as [z.ZodString, ...z.ZodString[]])) as unknown as z.ZodType<
    string[],
    string
  >;
  return {
    parts,
    schema,
    parse(text) {
      const parsed = schema.safeParse(text);
      return parsed.success ? parsed.data : undefined;
    },
    encode: (values) => values.join("~"),
    compare(columns, op, values) {
      const typed = values.map((value, i) => sql`${value}::${sql.raw(CASTS[parts[i] ?? "text"])}`);
      const operator = sql.raw(op);
      if (columns.length === 1) return sql`${columns[0]} ${operator} ${typed[0]}`;
      return sql`(${sql.join([...columns], sql`, `)}) ${operator} (${sql.join(typed, sql`, `)})`;
    },
  };
}

/**
 * The limit+1 pattern: ask for one row more than a page; if it came, there is a next page and
 * the page's last row is where it starts.
 */
export function pageOf<Row>(
  rows: readonly Row[],
  size: number,
  cursorOf: (row: Row) => string,
): { rows: Row[]; next: string | null } {
  const page = rows.slice(0, size);
  const last = page.at(-1);
  return { rows: page, next: rows.length > size && last ? cursorOf(last) : null };
}

/** A position in a list shown newest first: the rows older than a row, or newer than it. */
export type ListPosition = { before: string[] } | { after: string[] };

/** One page of a list, and the cursors of the pages either side of it (null at either end). */
export type ListPage<Row> = { rows: Row[]; older: string | null; newer: string | null };

type Keyed = { id: number | string; cursorAt: string };
type DynamicSelect<Row> = {
  where(where: SQL | undefined): { orderBy(...orderBy: SQL[]): { limit(limit: number): PromiseLike<Row[]> } };
};

/** A list paged newest first by (time, id): what `newestFirstPage` needs to know of it. */
export type TimeList<Row extends Keyed> = {
  table: PgTable;
  keyset: Keyset;
  /** The rows of the table in the list (undefined: all of them). */
  scope: SQL | undefined;
  at: PgColumn;
  id: PgColumn;
  /**
   * A new select of the list's columns and joins (`$dynamic()`), which the page narrows, orders
   * and limits; `cursorAt` is `exactTime(at)`.
   */
  query: () => DynamicSelect<Row>;
};

/**
 * One page of a list newest first, by (time, id). A page newer than a position that would not be
 * full is the newest page itself, and an older page with nothing on it is too: each page is
 * always as long as it can be, and a stale or invented position shows the newest rows.
 */
export async function newestFirstPage<Row extends Keyed>(
  db: DB,
  list: TimeList<Row>,
  position: ListPosition | undefined,
  size: number,
): Promise<ListPage<Omit<Row, "cursorAt">>> {
  const columns = [list.at, list.id];
  const rowsWhere = (where: SQL | undefined, orderBy: SQL[], limit: number) =>
    list
      .query()
      .where(and(list.scope, where))
      .orderBy(...orderBy)
      .limit(limit);
  // Whether anything lies beyond the page on the other side of the position: one index probe.
  const any = async (where: SQL) =>
    (
      await db
        .select({ one: sql`1` })
        .from(list.table)
        .where(and(list.scope, where))
        .limit(1)
    ).length > 0;
  const newestFirst = [desc(list.at), desc(list.id)];
  const cursorOf = (r: Row) => list.keyset.encode([r.cursorAt, r.id]);
  const page = (rows: Row[], older: boolean, newer: boolean) => {
    const [first, last] = [rows.at(0), rows.at(-1)];
    return {
      rows: rows.map(({ cursorAt: _, ...r }) => r),
      older: older && last ? cursorOf(last) : null,
      newer: newer && first ? cursorOf(first) : null,
    };
  };
  if (position && "after" in position) {
    const [rows, older] = await Promise.all([
      rowsWhere(list.keyset.compare(columns, ">", position.after), [asc(list.at), asc(list.id)], size + 1),
      any(list.keyset.compare(columns, "<=", position.after)),
    ]);
    if (rows.length > size) return page(rows.slice(0, size).reverse(), older, true);
  } else if (position) {
    const [rows, newer] = await Promise.all([
      rowsWhere(list.keyset.compare(columns, "<", position.before), newestFirst, size + 1),
      any(list.keyset.compare(columns, ">=", position.before)),
    ]);
    if (rows.length > 0) return page(rows.slice(0, size), rows.length > size, newer);
  }
  const rows = await rowsWhere(undefined, newestFirst, size + 1);
  return page(rows.slice(0, size), rows.length > size, false);
}
