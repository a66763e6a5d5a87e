import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/auth/staff-auth.server";
import { hasNoControlCharacters } from "~/giving/forms.server";
import { searchSupporters } from "~/supporters/admin-supporters.server";
import { RowId } from "~/ids";

// Called only while parsing, on the server: a `.server` import is empty in the browser, where
// this module's schemas are built too.
const withoutControlCharacters = (text: string) => hasNoControlCharacters()(text);

export const meta: MetaFunction = () => [{ title: "Supporters" }];

const PAGE = 25;
const QuerySchema = z.object({
  q: z.string().trim().max(200).refine(withoutControlCharacters).catch("").default(""),
  after: RowId.optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const { q, after } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { rows, next } = await searchSupporters(db, { q, after, limit: PAGE });
  return json({ q, rows, next }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function SupporterSearch() {
  const { q, rows, next } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>Supporters</h1>
      <Form method="get" role="search" className="admin-search">
        <div className="field">
          <label htmlFor="q">Name, email, phone or postcode</label>
          <input id="q" name="q" type="search" defaultValue={q} maxLength={200} autoComplete="off" />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </Form>
      {q ? (
        rows.length > 0 ? (
          <table>
            <caption className="visually-hidden">Supporters matching “{q}”</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Postcode</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/admin/supporters/${s.id}`}>{s.name || "(no name)"}</Link>
                  </td>
                  <td>{s.email}</td>
                  <td>{s.phone ?? ""}</td>
                  <td>{[s.postalCode, s.city].filter(Boolean).join(" ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>No supporters match “{q}”.</p>
        )
      ) : null}
      {next ? (
        <p>
          <Link to={`/admin/supporters?${new URLSearchParams({ q, after: String(next) })}`}>Next page</Link>
        </p>
      ) : null}
    </div>
  );
}
