import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { Template } from "~/http/precompressed-body.server";
import { randomText } from "~/random-text.server";
import { Socket } from "node:net";
import { securityHeaders } from "~/security-headers.server";
import {
  acceptsGzip,
  beginResponse,
  cspNonceOf,
  sendBuffered,
  shouldCompress,
  yieldToOwnHeaders,
} from "~/http/response-rules.server";

/**
 * The rules every response follows, whichever way in answers it (ADR 041), on a real listener:
 * the security headers first with the response's own nonce, a route's own value replacing a
 * default rather than doubling it, and one compression decision for answers sent in one piece.
 */

const env = { paymentsMode: "simulated" as const, appUrl: "http://127.0.0.1" };

let listener: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
  listener = undefined;
});

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  headers: Record<string, string> = {},
) {
  listener = http.createServer((req, res) => {
    beginResponse(res, env);
    handle(req, res);
  });
  await new Promise<void>((resolve) => listener!.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address() as AddressInfo;
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: string[]; body: Buffer }>(
    (resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/", headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              raw: response.rawHeaders,
              body: Buffer.concat(chunks),
            }),
          );
        })
        .on("error", reject);
    },
  );
}

const count = (raw: string[], name: string) =>
  raw.filter((value, i) => i % 2 === 0 && value.toLowerCase() === name.toLowerCase()).length;

describe("response rules", () => {
  it("every response starts with the security headers and its own nonce", async () => {
    let nonce = "";
    const answer = await serve((_req, res) => {
      nonce = cspNonceOf(res);
      res.end("ok");
    });
    expect(answer.headers["content-security-policy"]).toContain(`'nonce-${nonce}'`);
    expect(answer.headers["x-frame-options"]).toBe("DENY");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("sets securityHeaders' own headers, in its order, with each response's nonce, for every address and path", () => {
    const nonces = new Set<string>();
    for (const appUrl of ["http://127.0.0.1", "https://fund.example"])
      for (const paymentsMode of ["simulated", "stripe"] as const)
        for (const path of ["/", "/embed/winter", "/c/winter", "/embed/", "/admin?x=1"])
          for (let i = 0; i < 3; i++) {
            const req = new http.IncomingMessage(new Socket());
            const res = new http.ServerResponse(req);
            beginResponse(res, { paymentsMode, appUrl }, path);
            const nonce = cspNonceOf(res);
            nonces.add(nonce);
            const expected = securityHeaders({ nonce, env: { paymentsMode, appUrl }, path });
            expect(Object.entries(res.getHeaders())).toEqual(
              Object.entries(expected).map(([name, value]) => [name.toLowerCase(), value]),
            );
            // Node has had getRawHeaderNames since 15.13; the pinned @types/node does not declare it.
            const raw = (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
            expect(raw).toEqual(Object.keys(expected));
          }
    expect(nonces.size).toBe(60);
  });

  it("answers the same about compression however often it is asked", () => {
    const headers = ["gzip", "gzip;q=0", "br, GZIP;q=0.5", "identity", "", "x".repeat(300) + ", gzip", "deflate"];
    const expected = [true, false, true, false, false, true, false];
    for (let round = 0; round < 3; round++)
      for (const [i, header] of headers.entries()) expect(acceptsGzip(header), header).toBe(expected[i]);
    const typed = (type: string | undefined) => {
      const req = new http.IncomingMessage(new Socket());
      const res = new http.ServerResponse(req);
      if (type) res.setHeader("Content-Type", type);
      return shouldCompress(req, res);
    };
    for (let round = 0; round < 3; round++) {
      expect(typed("text/html; charset=utf-8")).toBe(true);
      expect(typed("application/json")).toBe(true);
      expect(typed("text/csv; charset=utf-8")).toBe(false);
      expect(typed("image/png")).toBe(false);
      expect(typed(undefined)).toBe(false);
    }
  });

  it("every response's nonce and new CSRF token is random bytes of its own, however many are handed out", () => {
    const seen = new Set<string>();
    // Enough to empty the pool of random bytes many times over, and sizes that do not divide it.
    for (let i = 0; i < 2_000; i++) {
      const bytes = [18, 24, 7][i % 3]!;
      const text = randomText(bytes, i % 2 ? "base64" : "base64url");
      expect(Buffer.from(text, i % 2 ? "base64" : "base64url").length).toBe(bytes);
      seen.add(text);
    }
    expect(seen.size).toBe(2_000);
  });

  it("a response's own value for a security header replaces the default, once", async () => {
    const own = new Headers({ "X-Frame-Options": "SAMEORIGIN" });
    const answer = await serve((_req, res) => {
      yieldToOwnHeaders(res, own);
      // As Express's Remix adapter does: every header of the response appended.
      for (const [name, value] of own) res.appendHeader(name, value);
      res.end("ok");
    });
    expect(count(answer.raw, "X-Frame-Options")).toBe(1);
    expect(answer.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("an answer in one piece is gzipped when asked for and at least 1 KiB, never a CSV", async () => {
    const html = "<p>page</p>".repeat(200);
    const page = await serve(
      (req, res) =>
        sendBuffered(req, res, { status: 200, headers: [["Content-Type", "text/html; charset=utf-8"]], body: html }),
      { "Accept-Encoding": "gzip" },
    );
    expect(page.headers["content-encoding"]).toBe("gzip");
    expect(page.headers.vary).toBe("Accept-Encoding");
    expect(Number(page.headers["content-length"])).toBe(page.body.length);
    expect(gunzipSync(page.body).toString("utf8")).toBe(html);

    const small = await serve(
      (req, res) =>
        sendBuffered(req, res, {
          status: 404,
          headers: [["Content-Type", "application/json; charset=utf-8"]],
          body: "{}",
        }),
      { "Accept-Encoding": "gzip" },
    );
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.body.toString("utf8")).toBe("{}");

    const notAsked = await serve((req, res) =>
      sendBuffered(req, res, { status: 200, headers: [["Content-Type", "text/html; charset=utf-8"]], body: html }),
    );
    expect(notAsked.headers["content-encoding"]).toBeUndefined();

    const csv = await serve(
      (req, res) =>
        sendBuffered(req, res, {
          status: 200,
          headers: [["Content-Type", "text/csv; charset=utf-8"]],
          body: "a,b\n".repeat(1000),
        }),
      { "Accept-Encoding": "gzip" },
    );
    expect(csv.headers["content-encoding"]).toBeUndefined();
    expect(csv.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("a body kept ready gzipped (ADR 053) is sent with the same headers as one gzipped per response, and as it is to whoever did not ask", async () => {
    const parts = ['<script nonce="', '">start()</script>' + "<p>page</p>".repeat(200) + '<input value="', '">'];
    const fills = ["nonce-of-this-response", "token-of-this-reader-0123456789ab"];
    const html = parts[0] + fills[0] + parts[1] + fills[1] + parts[2];
    const pageHeaders: [string, string][] = [
      ["content-type", "text/html; charset=utf-8"],
      ["vary", "Accept-Language, Cookie"],
      ["cache-control", "private, no-store"],
    ];
    const send = (body: "string" | "prepared", headers: Record<string, string>) =>
      serve(
        (req, res) =>
          sendBuffered(req, res, {
            status: 200,
            headers: pageHeaders,
            body: body === "string" ? html : new Template(parts).fill(fills),
          }),
        headers,
      );
    // What differs between two responses whatever their body: the nonce, the date and the length.
    const comparable = (answer: Awaited<ReturnType<typeof send>>) =>
      answer.raw
        .map((value, i) => (i % 2 === 0 ? value.toLowerCase() : value))
        .filter((_value, i, raw) => !["content-security-policy", "date", "content-length"].includes(raw[i - (i % 2)]!));

    for (const acceptEncoding of ["gzip, deflate, br", "br;q=1.0, GZIP;q=0.5"]) {
      const gzipped = await send("prepared", { "Accept-Encoding": acceptEncoding });
      const usual = await send("string", { "Accept-Encoding": acceptEncoding });
      expect(comparable(gzipped)).toEqual(comparable(usual));
      expect(gzipped.headers["content-encoding"]).toBe("gzip");
      expect(gzipped.headers.vary).toBe("Accept-Language, Cookie, Accept-Encoding");
      expect(Number(gzipped.headers["content-length"])).toBe(gzipped.body.length);
      expect(gunzipSync(gzipped.body).toString("utf8")).toBe(html);
    }

    for (const headers of [
      {} as Record<string, string>,
      { "Accept-Encoding": "gzip;q=0, br" },
      { "Accept-Encoding": "identity" },
    ]) {
      const plain = await send("prepared", headers);
      const usual = await send("string", headers);
      expect(comparable(plain)).toEqual(comparable(usual));
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.headers.vary).toBe("Accept-Language, Cookie, Accept-Encoding");
      expect(Number(plain.headers["content-length"])).toBe(Buffer.byteLength(html));
      expect(plain.body.toString("utf8")).toBe(html);
    }
  });
});
