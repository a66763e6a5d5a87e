import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { getStaffSession } from "~/auth/staff-auth.server";
import { hasNoControlCharacters } from "~/validation/fields";
import { t } from "~/i18n/t";
import { CALLER_SEARCH } from "~/supporters/caller-search";
import { searchCallers } from "~/supporters/caller-search.server";

const withoutControlCharacters = hasNoControlCharacters();

/**
 * GET /admin/supporters/search?q=… — the phone pledge screen's type-ahead, as JSON. A fetch is
 * answered 401 rather than redirected to the sign-in page, which it could not show.
 */

const { minLength, maxLength } = CALLER_SEARCH;
const SearchQuerySchema = z.object({
  q: z
    .string({ message: t("admin.supportersSearch.typeAtLeastMinlengthCharacters", { minLength: String(minLength) }) })
    .trim()
    .min(minLength, t("admin.supportersSearch.typeAtLeastMinlengthCharacters", { minLength: String(minLength) }))
    .max(maxLength, t("admin.supportersSearch.keepTheSearchUnderMaxlength", { maxLength: String(maxLength) }))
    .refine(withoutControlCharacters, t("error.text.control")),
});

const PRIVATE = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  if (!(await getStaffSession(db, request)))
    return json({ message: t("admin.supportersSearch.yourSessionHasEndedSign") }, { status: 401, headers: PRIVATE });
  const parsed = SearchQuerySchema.safeParse({ q: new URL(request.url).searchParams.get("q") ?? undefined });
  if (!parsed.success)
    return json(
      { message: parsed.error.issues[0]?.message ?? t("admin.supportersSearch.typeSomethingToSearchFor") },
      { status: 400, headers: PRIVATE },
    );
  return json({ results: await searchCallers(db, { q: parsed.data.q }) }, { headers: PRIVATE });
}
