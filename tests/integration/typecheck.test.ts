import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("the code base", () => {
  it("type-checks under strict TypeScript", () => {
    const root = path.resolve(__dirname, "../..");
    const result = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], { cwd: root, encoding: "utf8", timeout: 180_000 });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  }, 200_000);
});
