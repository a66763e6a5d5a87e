import net from "node:net";

/**
 * A TCP proxy between a PostgreSQL client and its server that keeps every chunk the client wrote.
 * The driver writes once per round trip (what it sends while waiting for nothing goes out in one
 * write), so the chunks written while some work runs count its round trips to the database.
 */
export type CountingProxy = {
  /** `url` with its host and port replaced by the proxy's. */
  url: string;
  /** Every chunk written by clients so far, as text (the protocol's framing bytes as latin1). */
  written: string[];
  /** The chunks written while `work` ran, and its result. */
  during<T>(work: () => Promise<T>): Promise<{ result: T; chunks: string[] }>;
  close(): Promise<void>;
};

export async function countingProxy(url: string): Promise<CountingProxy> {
  const target = new URL(url);
  const written: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.on("data", (chunk) => {
      written.push(chunk.toString("latin1"));
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
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
      return { result, chunks: written.slice(from) };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  };
}
