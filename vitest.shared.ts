import path from "node:path";

const root = path.dirname(new URL(import.meta.url).pathname);

/** The path aliases of tsconfig.json, for both vitest configs (the suite and the several-servers test). */
export const aliases = {
  "~": path.join(root, "app"),
  "@db": path.join(root, "db"),
  "@emails": path.join(root, "emails"),
};
