/** The path a retry returns to: the form the gift came from, naming its checkout (ADR 040). Shared by server and pages. */
export function retryPath(returnPath: string, checkoutId: string): string {
  return `${returnPath}${returnPath.includes("?") ? "&" : "?"}retry=${checkoutId}`;
}
