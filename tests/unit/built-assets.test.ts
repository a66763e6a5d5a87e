import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtAssets } from "~/http/built-assets.server";

let dir: string;
let origin: string;
let close: () => void;
const script = `export const words = ${JSON.stringify("a script of the build ".repeat(200))};\n`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ff-built-"));
  await mkdir(path.join(dir, "_shared"));
  await writeFile(path.join(dir, "_shared", "chunk-ABC123.js"), script);
  await writeFile(path.join(dir, "tiny-XYZ.css"), "a{color:red}");
  await writeFile(path.join(dir, "notes.txt"), "not an asset");
  await writeFile(path.join(os.tmpdir(), "ff-outside.js"), "outside");
  const app = express();
  app.use("/build", builtAssets(dir));
  app.use((_req, res) => res.status(404).send("passed on"));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close();
  await rm(dir, { recursive: true, force: true });
});

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** The bytes as sent (fetch would undo the gzip). */
function get(pathname: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${origin}${pathname}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    request.on("error", reject);
    request.end();
  });
}

describe("built assets, gzipped once and answered from memory", () => {
  it("answers gzip to a client that takes it, and the same bytes each time", async () => {
    const first = await get("/build/_shared/chunk-ABC123.js", { "Accept-Encoding": "gzip, deflate, br" });
    expect(first.status).toBe(200);
    expect(first.headers["content-encoding"]).toBe("gzip");
    expect(first.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(first.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(first.headers.vary).toBe("Accept-Encoding");
    const gzipped = first.body;
    expect(Number(first.headers["content-length"])).toBe(gzipped.length);
    expect(gunzipSync(gzipped).toString("utf8")).toBe(script);
    const second = await get("/build/_shared/chunk-ABC123.js", { "Accept-Encoding": "gzip" });
    expect(second.body.equals(gzipped)).toBe(true);
  });

  it("answers the file as it is to a client that does not take gzip, or refuses it", async () => {
    for (const acceptEncoding of ["identity", "gzip;q=0, br"]) {
      const response = await get("/build/_shared/chunk-ABC123.js", { "Accept-Encoding": acceptEncoding });
      expect(response.headers["content-encoding"]).toBeUndefined();
      expect(response.body.toString("utf8")).toBe(script);
    }
  });

  it("answers 304 to the ETag it gave, and HEAD without a body", async () => {
    const etag = String((await get("/build/_shared/chunk-ABC123.js")).headers.etag);
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await get("/build/_shared/chunk-ABC123.js", { "If-None-Match": etag });
    expect(again.status).toBe(304);
    const head = await get("/build/_shared/chunk-ABC123.js", { "Accept-Encoding": "gzip" }, "HEAD");
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
  });

  it("leaves small files uncompressed, and passes on what is not a script or stylesheet of the build", async () => {
    const tiny = await get("/build/tiny-XYZ.css", { "Accept-Encoding": "gzip" });
    expect(tiny.headers["content-encoding"]).toBeUndefined();
    expect(tiny.body.toString("utf8")).toBe("a{color:red}");
    for (const pathname of [
      "/build/notes.txt",
      "/build/missing-000.js",
      "/build/../ff-outside.js",
      "/build/%2e%2e/ff-outside.js",
      "/build/%E0%A4%A.js",
    ]) {
      const response = await get(pathname);
      expect([response.status, response.body.toString("utf8")], pathname).toEqual([404, "passed on"]);
    }
  });
});
