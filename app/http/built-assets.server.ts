import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { NextFunction, Request, Response } from "express";
import { acceptsGzip, CACHING, COMPRESSION_THRESHOLD_BYTES } from "./response-rules.server";

/** The built files the browser loads, by extension; anything else is left to express.static. */
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

type Asset = { type: string; etag: string; raw: Buffer; gzipped: Buffer | null };

/**
 * The Remix build's scripts and stylesheets (public/build), answered from memory: each is read
 * and gzipped once, at its first request, instead of compression() gzipping it for every
 * request. Their names carry a hash of their content, so a file never changes under its name
 * while the server runs, and what is kept is bounded by the build (a request for a name not in
 * it is passed on and kept nowhere). Kept a year, like express.static's answer was; answered
 * 304 to a matching If-None-Match.
 */
export function builtAssets(dir: string) {
  const root = path.resolve(dir);
  const assets = new Map<string, Promise<Asset | null>>();

  async function load(file: string): Promise<Asset | null> {
    const type = TYPES[path.extname(file)];
    if (!type) return null;
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      return null;
    }
    const etag = `"${createHash("sha256").update(raw).digest("base64url").slice(0, 27)}"`;
    const gzipped = raw.length >= COMPRESSION_THRESHOLD_BYTES ? gzipSync(raw, { level: 9 }) : null;
    return { type, etag, raw, gzipped };
  }

  return async function serveBuiltAsset(req: Request, res: Response, next: NextFunction) {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    let file: string;
    try {
      file = path.resolve(root, `.${path.posix.normalize(decodeURIComponent(req.path))}`);
    } catch {
      return next();
    }
    if (!file.startsWith(`${root}${path.sep}`)) return next();
    let pending = assets.get(file);
    if (!pending) {
      pending = load(file);
      assets.set(file, pending);
    }
    const asset = await pending;
    if (!asset) {
      assets.delete(file);
      return next();
    }
    res.setHeader("Content-Type", asset.type);
    res.setHeader("Cache-Control", CACHING.builtAssetsHeader);
    res.setHeader("ETag", asset.etag);
    if (asset.gzipped) res.setHeader("Vary", "Accept-Encoding");
    if (req.headers["if-none-match"] === asset.etag) {
      res.statusCode = 304;
      return res.end();
    }
    const body = asset.gzipped && acceptsGzip(req.headers["accept-encoding"]) ? asset.gzipped : asset.raw;
    if (body === asset.gzipped) res.setHeader("Content-Encoding", "gzip");
    res.setHeader("Content-Length", body.length);
    res.end(req.method === "HEAD" ? undefined : body);
  };
}
