/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Packages that must stay external: native/wasm assets are resolved at run time.
  serverDependenciesToBundle: [],
};
