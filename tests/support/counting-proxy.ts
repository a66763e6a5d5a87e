import net from "node:net";

/**
 * A TCP proxy between a PostgreSQL client and its server that keeps what the client wrote, and
 * groups it into round trips: what the client writes before the server next answers is one round
 * trip (the driver writes a large message at once and what follows it a moment later, without
 * waiting for an answer). Proxy and client share one process, so a write made in the same turn
 * of the event loop is always seen before the answer to it.
 */
export type CountingProxy = {
  /** `url` with its host and port replaced by the proxy's. */
  url: string;
  /** What clients wrote so far, a round trip each, as text (the protocol's framing bytes as latin1). */
  written: string[];
  /** What was written while `work` ran, by round trip (each the chunks written in it, joined), and its result. */
  during<T>(work: () => Promise<T>): Promise<{ result: T; roundTrips: string[] }>;
  close(): Promise<void>;
};

export async function countingProxy(url: string): Promise<CountingProxy> {
  const target = new URL(url);
  const written: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    // This connection's round trip in progress: its index in `written`, until the server answers.
    let current: number | null = null;
    client.on("data", (chunk) => {
      const text = chunk.toString("latin1");
      if (current === null) current = written.push(text) - 1;
      else written[current] += text;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      current = null;
      client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = String((server.address() as net.AddressInfo).port);
  return {
    url: through.toString(),
    written,
    async during(work) {
      const from = written.length;
      const result = await work();
      return { result, roundTrips: written.slice(from) };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  };
}
