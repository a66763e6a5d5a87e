/**
 * Any address no other route takes. Without this route Remix answers such a request without
 * running the root loader, so the not-found page lost the organisation's name and the demo
 * banner; and it reported the miss to handleError, which logged every /favicon.ico-style probe as
 * an unhandled error. Thrown here, the 404 is an answer, not an error (root's ErrorBoundary).
 */
export async function loader(): Promise<never> {
  throw new Response("Not found", { status: 404 });
}

export async function action(): Promise<never> {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return null;
}
