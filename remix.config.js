/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Packages that must stay external: native/wasm assets are resolved at run time.
  serverDependenciesToBundle: [],
  // Not a page: the campaign page is sent without React, and this is the one script it loads
  // instead (docs/decisions/019). Declared as a route without a path or children, which never
  // matches, so that Remix's compiler bundles, minifies and fingerprints it with the rest.
  // The id is CAMPAIGN_PAGE_SCRIPT in app/ui/page-scripts.tsx.
  routes: (defineRoutes) =>
    defineRoutes((route) => {
      route(undefined, "ui/campaign-page-script.ts", { id: "campaign-page-script" });
    }),
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
  },
};
