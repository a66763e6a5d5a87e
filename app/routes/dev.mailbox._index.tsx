import type { MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { listMailbox } from "~/email/mailbox.server";
import { getEnv } from "~/env.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox" }, { name: "robots", content: "noindex" }];

export async function loader() {
  if (getEnv().NODE_ENV === "production") throw new Response("Not found", { status: 404 });
  const messages = await listMailbox(getDb());
  return json({ messages }, { headers: { "Cache-Control": "no-store" } });
}

// UTC on both server and browser, so the hydrated page matches the rendered one.
const timeFormat = new Intl.DateTimeFormat("en-AU", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export default function DevMailbox() {
  const { messages } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>Dev mailbox</h1>
      <p>Emails the app would have sent. Nothing here left this computer: set RESEND_API_KEY to send for real.</p>
      {messages.length === 0 ? (
        <p>No emails yet. Make a test donation and its receipt will appear here.</p>
      ) : (
        <table>
          <caption>{`${messages.length === 1 ? "1 email" : `${messages.length} most recent emails`}, newest first`}</caption>
          <thead>
            <tr>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((message) => (
              <tr key={message.id}>
                <td>{message.toEmail}</td>
                <td>
                  <Link to={`/dev/mailbox/${message.id}`}>{message.subject}</Link>
                </td>
                <td>
                  <time dateTime={message.createdAt}>{`${timeFormat.format(new Date(message.createdAt))} UTC`}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
