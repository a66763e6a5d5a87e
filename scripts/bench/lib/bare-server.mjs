// The comparison server for throughput benchmarks: a plain node:http server in its own process
// (as the app is) that answers every request with one recorded response, read from the JSON file
// named on the command line. Prints its address, then serves until killed.
import { readFileSync } from "node:fs";
import http from "node:http";

const recorded = JSON.parse(readFileSync(process.argv[2], "utf8"));
const body = Buffer.from(recorded.body, "base64");
const headers = { ...recorded.headers, "content-length": body.length };
const server = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(recorded.status, headers);
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(`bare server at http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
