/**
 * The first row of a statement that must return one: an INSERT … RETURNING, an UPDATE …
 * RETURNING of a row the same transaction has just read or locked, an aggregate such as
 * `select count(*)`, a SELECT of the row a foreign key points at. No row there is a bug, not a
 * case to handle, so it throws a clear Error naming the statement rather than letting
 * `undefined` travel on. For a SELECT of something that
 * may legitimately be missing, destructure (`const [row] = …`) and handle `undefined` instead.
 */
export function one<T>(rows: readonly T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`${what}: expected a row, got none`);
  return row;
}
