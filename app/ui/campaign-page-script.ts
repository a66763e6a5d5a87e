import { enhanceDonateForm } from "./donate-form-enhancements";

/**
 * The one script the campaign page loads instead of React (docs/decisions/019). remix.config.js
 * declares this file as a route that never matches, so that Remix's compiler bundles, minifies
 * and fingerprints it with the rest of the build; page-scripts.tsx links it. A route module's
 * browser build keeps only route exports: `handle` is what keeps this module (and the code below)
 * in it.
 */
export const handle = {};

// A module script runs once the document is parsed. On the server this module is only imported.
if (typeof document !== "undefined") {
  for (const form of document.querySelectorAll<HTMLFormElement>("form.donate-form")) enhanceDonateForm(form);
}
