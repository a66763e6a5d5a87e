import { z } from "zod";

/**
 * A row id from a URL, a query or a form: a positive PostgreSQL integer. Anything else (including a
 * number too large for the column) is simply "not found" to the caller, never a database error.
 */
export const RowId = z.coerce.number().int().positive().max(2_147_483_647);

/** A route's id parameter, or a 404 thrown as the route's answer. */
export function rowIdParam(value: string | undefined, message = "Not found"): number {
  const id = RowId.safeParse(value);
  if (!id.success) throw new Response(message, { status: 404 });
  return id.data;
}
