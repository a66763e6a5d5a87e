// A local stand-in for api.stripe.com that answers at once, for the calls a benchmark makes the
// app send (the server points its SDK here with STRIPE_API_BASE). Not a mock of Stripe's
// behaviour: fixed, valid-looking answers, so that what is measured is our side. Runs as its own
// process (node scripts/bench/lib/stripe-stub.mjs), so the load generator cannot slow it down;
// prints its address, then serves until killed.
import http from "node:http";

let sequence = 0;
// Ids of one run of the stub differ from every earlier run's: the benchmark database keeps the
// checkouts of earlier runs, and a Checkout Session id is unique among them.
const run = Date.now().toString(36);
const nextId = (prefix) => `${prefix}_bench${run}${(++sequence).toString(36).padStart(10, "0")}`;

function answer(method, pathname) {
  if (method === "POST" && pathname === "/v1/checkout/sessions") {
    const id = nextId("cs_test");
    return [
      200,
      {
        id,
        object: "checkout.session",
        url: `https://checkout.stripe.com/c/pay/${id}`,
        status: "open",
        payment_status: "unpaid",
      },
    ];
  }
  const customer = /^\/v1\/customers\/([^/]+)$/.exec(pathname);
  if (method === "GET" && customer) {
    const card = { brand: "visa", last4: "4242", exp_month: 12, exp_year: new Date().getUTCFullYear() + 3 };
    return [
      200,
      {
        id: customer[1],
        object: "customer",
        invoice_settings: {
          default_payment_method: { id: nextId("pm"), object: "payment_method", type: "card", card },
        },
      },
    ];
  }
  if (method === "GET" && pathname === "/v1/prices")
    return [200, { object: "list", data: [{ id: nextId("price"), object: "price", active: true }], has_more: false }];
  if (method === "GET" && pathname === "/v1/subscriptions") return [200, { object: "list", data: [], has_more: false }];
  return [404, { error: { type: "invalid_request_error", message: `benchmark stub: no ${method} ${pathname}` } }];
}

let calls = 0;
const server = http.createServer((request, response) => {
  calls += 1;
  request.resume();
  request.on("end", () => {
    const [status, body] = answer(request.method ?? "GET", new URL(request.url ?? "/", "http://stub").pathname);
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Request-Id": nextId("req"),
    });
    response.end(text);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(`stripe stub at http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => {
  console.log(`stripe stub answered ${calls} calls`);
  process.exit(0);
});
