import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { getMailboxMessage } from "~/email/mailbox.server";
import { getEnv } from "~/env.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.message.subject} — Dev mailbox` : "Dev mailbox" },
  { name: "robots", content: "noindex" },
];

// Digits only, within a Postgres integer: anything else is a page that does not exist, not an error.
const IdSchema = z
  .string()
  .regex(/^\d{1,10}$/)
  .transform(Number)
  .pipe(z.number().int().positive().max(2_147_483_647));

export async function loader({ params }: LoaderFunctionArgs) {
  if (getEnv().NODE_ENV === "production") throw new Response("Not found", { status: 404 });
  const id = IdSchema.safeParse(params.id);
  const message = id.success ? await getMailboxMessage(getDb(), { id: id.data }) : null;
  if (!message) throw new Response("Email not found", { status: 404 });
  return json({ message }, { headers: { "Cache-Control": "no-store" } });
}

export default function DevMailboxMessage() {
  const { message } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <p>
        <Link to="/dev/mailbox">Back to the dev mailbox</Link>
      </p>
      <h1>{message.subject}</h1>
      <dl>
        <dt>To</dt>
        <dd>{message.toEmail}</dd>
        <dt>Time</dt>
        <dd>
          <time dateTime={message.createdAt}>{new Date(message.createdAt).toUTCString()}</time>
        </dd>
      </dl>
      <h2>As HTML</h2>
      {/* No scripts and no same-origin access: the email is content, never code that runs here. */}
      <iframe
        title={`Email: ${message.subject}`}
        srcDoc={message.html}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        style={{ width: "100%", minHeight: "40rem", border: "1px solid currentColor", background: "#fff" }}
      />
      <h2>As plain text</h2>
      <pre style={{ whiteSpace: "pre-wrap" }}>{message.text}</pre>
    </div>
  );
}
