import { rmSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { resetEnvCache } from "~/env.server";

/**
 * For a file that starts the app itself: `cleared` are unset and `set` given for the whole file,
 * then every one of them is put back as it was (and the app's parsed environment forgotten), and
 * `dataDir`, a throwaway embedded database, removed.
 */
export function useProcessEnv({
  cleared,
  set,
  dataDir,
}: {
  cleared: readonly string[];
  set: Record<string, string>;
  dataDir: string;
}) {
  const keys = [...new Set([...cleared, ...Object.keys(set)])];
  const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
  beforeAll(() => {
    for (const key of keys) delete process.env[key];
    Object.assign(process.env, set);
    resetEnvCache();
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetEnvCache();
    rmSync(dataDir, { recursive: true, force: true });
  });
}
