// `npm install` (postinstall): run PGlite's initdb once for this installation, so that a new
// embedded database is a copy of it rather than its own initdb (docs/decisions/020-first-start.md).
// Never fails the install: without the template, a new database simply runs initdb itself.
try {
  const { ensurePgliteTemplate } = await import("../db/pglite.server.mjs");
  if (!(await ensurePgliteTemplate()))
    console.warn("fighting-fund: no PGlite template made; a new embedded database will run initdb itself.");
} catch (error) {
  console.warn(`fighting-fund: no PGlite template made (${error instanceof Error ? error.message : error}).`);
}
