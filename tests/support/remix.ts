import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

type Loader = (args: LoaderFunctionArgs) => Promise<Response> | Response;
type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;

const BASE = "http://localhost:3000";

/** Calls a route loader as Remix would, returning the Response (thrown Responses included). */
export async function callLoader(
  loader: Loader,
  path: string,
  init: { params?: Record<string, string>; cookie?: string } = {},
) {
  const request = new Request(`${BASE}${path}`, { headers: init.cookie ? { Cookie: init.cookie } : {} });
  try {
    return await loader({ request, params: init.params ?? {}, context: { clientAddress: "203.0.113.9" } });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Posts a form to a route action, like a browser without JavaScript. */
export async function postForm(
  action: Action,
  path: string,
  fields: Record<string, string>,
  init: {
    params?: Record<string, string>;
    cookie?: string;
    clientAddress?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const request = new Request(`${BASE}${path}`, {
    method: "POST",
    // `headers`: what a browser adds by itself, such as Origin or Sec-Fetch-Site.
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(init.cookie ? { Cookie: init.cookie } : {}),
      ...init.headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
  try {
    return await action({
      request,
      params: init.params ?? {},
      context: { clientAddress: init.clientAddress ?? "203.0.113.9" },
    });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Loads a page to get its CSRF cookie and token, as a browser would before posting. */
export async function csrfFor(loader: Loader, path: string, params?: Record<string, string>) {
  const response = await callLoader(loader, path, { params });
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const body = (await response.json()) as { csrf: string };
  return { cookie: setCookie.split(";")[0], token: body.csrf };
}
