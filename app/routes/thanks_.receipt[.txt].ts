import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { getKeptReceiptText } from "~/giving/thanks.server";

const QuerySchema = z.object({ ref: z.uuid() });

/** The receipt of a gift whose reader chose no email, as a file to keep (ADR 051). */
export async function loader({ request }: LoaderFunctionArgs) {
  const query = QuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const receipt = query.success ? await getKeptReceiptText(getDb(), { checkoutId: query.data.ref }) : null;
  if (!receipt) throw new Response("Receipt not found", { status: 404 });
  return new Response(receipt.text, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${receipt.fileName}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
