// The production server is app/http/server.server.ts (ADR 041), compiled into the Remix build:
// this file only loads the build and starts it, so `node server.mjs` needs nothing but Node.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const build = await import(pathToFileURL(path.join(root, "build", "index.js")).href);
await build.entry.module.runServer(build, { root });
