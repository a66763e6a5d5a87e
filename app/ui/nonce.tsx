import { createContext, useContext } from "react";

/**
 * The Content-Security-Policy nonce of this response, for inline scripts (and any inline style
 * element that wants one). The server renders it; in the browser the attribute is hidden from
 * the markup but readable as the `nonce` property of an element that carries it, so an element
 * React creates after hydration can carry it too.
 */
const NonceContext = createContext<string | undefined>(undefined);

export const NonceProvider = NonceContext.Provider;

let browserNonce: string | undefined;
function readBrowserNonce(): string {
  browserNonce ??= document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce ?? "";
  return browserNonce;
}

export function useNonce(): string {
  const fromServer = useContext(NonceContext);
  if (fromServer !== undefined) return fromServer;
  return typeof document === "undefined" ? "" : readBrowserNonce();
}
