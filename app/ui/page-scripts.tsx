import { Scripts, ScrollRestoration, UNSAFE_RemixContext, useMatches } from "@remix-run/react";
import { useContext } from "react";
import { builtImports } from "./built-imports.server";

/**
 * The id remix.config.js gives app/ui/campaign-page-script.ts: a route that never matches, only
 * there so that Remix builds the script (docs/decisions/019).
 */
export const CAMPAIGN_PAGE_SCRIPT = "campaign-page-script";

/** A page sent with no script from the build at all (the appeal block other sites frame: ADR 044). */
export const NO_PAGE_SCRIPT = "none";

/**
 * A route whose handle names a page script is sent without React: no hydration, no Remix
 * runtime, just that small script, which enhances markup that works without JavaScript.
 */
export type PageScriptHandle = { pageScript: typeof CAMPAIGN_PAGE_SCRIPT | typeof NO_PAGE_SCRIPT };

function pageScriptOf(handle: unknown): string | undefined {
  return (handle as Partial<PageScriptHandle> | undefined)?.pageScript;
}

/**
 * The scripts at the end of <body>: Remix's (hydration, client-side navigation) for most pages;
 * for a page with a page script, that script alone with the chunks it imports, preloaded. In a
 * browser that is already running React (a client-side navigation to such a page), Remix's stay.
 */
export function PageScripts({ nonce }: { nonce: string }) {
  const matches = useMatches();
  const { manifest } = useContext(UNSAFE_RemixContext) ?? {};
  const scriptId =
    typeof document === "undefined" ? matches.map((match) => pageScriptOf(match.handle)).find(Boolean) : undefined;
  if (!scriptId) {
    return (
      <>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </>
    );
  }
  if (scriptId === NO_PAGE_SCRIPT) return null;
  const script = manifest?.routes[scriptId];
  if (!script)
    throw new Error(`The page script "${scriptId}" is not in the build: remix.config.js declares it as a route.`);
  // Preloaded, so that the browser fetches them in parallel (and the weight benchmark counts them).
  const imports = builtImports(script.module) ?? script.imports ?? [];
  return (
    <>
      {imports.map((href) => (
        <link key={href} rel="modulepreload" href={href} />
      ))}
      <script type="module" src={script.module} nonce={nonce} />
    </>
  );
}
