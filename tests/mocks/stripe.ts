import { randomBytes } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import Stripe from "stripe";

/**
 * A small, faithful stand-in for the parts of api.stripe.com the app calls, over an in-memory
 * store. Each `createStripeMock()` is independent, so test files never share state. The SDK
 * itself talks to it (MSW intercepts Node's http client), so what is tested is what we send.
 */

const API = "https://api.stripe.com";
export const STRIPE_TEST_API_VERSION = "2026-10-28.endive";

export function stripeId(prefix: string, length = 24) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return `${prefix}_${out}`;
}

const now = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------
// Form bodies: the SDK sends `a[b][0][c]=v`; we keep both the flat pairs and a nested view.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormParams = { [key: string]: FormValue };

function keyPath(key: string): string[] {
  const head = key.match(/^[^[]*/)?.[0] ?? key;
  const rest = [...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? ""); // the group always matches
  return [head, ...rest];
}

function arraysFromIndexedObjects(value: FormValue): FormValue {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(arraysFromIndexedObjects);
  const entries = Object.entries(value);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => arraysFromIndexedObjects(v));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, arraysFromIndexedObjects(v)]));
}

/** Parses Stripe's form encoding (`line_items[0][price_data][unit_amount]=2500`) into objects and arrays. */
export function parseStripeForm(search: URLSearchParams): FormParams {
  const root: Record<string, FormValue> = {};
  for (const [key, value] of search) {
    const path = keyPath(key);
    let node: Record<string, FormValue> | FormValue[] = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      if (Array.isArray(node)) {
        // `lookup_keys[]=a` appends.
        if (last) node.push(value);
        else {
          const child: Record<string, FormValue> = {};
          node.push(child);
          node = child;
        }
        return;
      }
      if (last) {
        node[segment] = value;
        return;
      }
      const nextIsAppend = path[i + 1] === "";
      node[segment] ??= nextIsAppend ? [] : {};
      node = node[segment] as Record<string, FormValue> | FormValue[];
    });
  }
  return arraysFromIndexedObjects(root) as FormParams;
}

// ---------------------------------------------------------------------------------------------
// Errors in Stripe's shape.

type StripeErrorBody = { type: string; message: string; code?: string; param?: string };

function stripeError(status: number, error: StripeErrorBody) {
  return HttpResponse.json(
    { error: { ...error, request_log_url: `https://dashboard.stripe.com/test/logs/${stripeId("req", 14)}` } },
    { status, headers: responseHeaders() },
  );
}

function responseHeaders() {
  return { "request-id": stripeId("req", 14), "stripe-version": STRIPE_TEST_API_VERSION };
}

const resourceMissing = (kind: string, id: string, param = "id") =>
  stripeError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
  });

const asString = (value: FormValue | undefined) => (typeof value === "string" ? value : undefined);
const asRecord = (value: FormValue | undefined): Record<string, FormValue> =>
  value && typeof value === "object" && !Array.isArray(value) ? value : {};
const asStringRecord = (value: FormValue | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(asRecord(value)).filter((e): e is [string, string] => typeof e[1] === "string"));
const asBoolean = (value: FormValue | undefined) => (value === undefined ? undefined : value === "true");

// ---------------------------------------------------------------------------------------------
// The store.

export type MockPrice = {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: "per_unit";
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: string | null;
  metadata: Record<string, string>;
  nickname: string | null;
  product: string;
  recurring: { interval: string; interval_count: number; meter: null; usage_type: "licensed" } | null;
  tax_behavior: "unspecified";
  tiers_mode: null;
  transform_quantity: null;
  type: "one_time" | "recurring";
  unit_amount: number;
  unit_amount_decimal: string;
  /** Its amounts in other currencies (lower-case codes); listed only when `expand`ed, as Stripe does. */
  currency_options?: Record<string, { unit_amount: number; tax_behavior: "unspecified" }>;
};

/** A balance transaction: what a charge became in the account's balance (its currency, after conversion). */
export type MockBalanceTransaction = {
  id: string;
  object: "balance_transaction";
  amount: number;
  currency: string;
  exchange_rate: number | null;
  fee: number;
  net: number;
  source: string | null;
  status: "pending" | "available";
  type: "charge";
  created: number;
};

export type MockProduct = {
  id: string;
  object: "product";
  active: boolean;
  created: number;
  default_price: string | null;
  description: string | null;
  images: string[];
  livemode: false;
  marketing_features: [];
  metadata: Record<string, string>;
  name: string;
  package_dimensions: null;
  shippable: null;
  tax_code: null;
  type: "service";
  unit_label: null;
  updated: number;
  url: null;
};

export type MockCheckoutSession = Exclude<ReturnType<typeof sessionFromParams>, { error: Response }>;

export type RecordedStripeRequest = {
  method: string;
  /** e.g. `/v1/checkout/sessions` */
  path: string;
  /** The form body (POST) or query string (GET), nested. */
  params: FormParams;
  /** The same, as the flat pairs the SDK sent: `{ "line_items[0][quantity]": "1" }`. */
  form: Record<string, string>;
  idempotencyKey: string | null;
  /** What the mock answered with, or how it failed. */
  status: number | "network-error";
};

type Failure = { kind: "status"; status: number } | { kind: "network" };

/** An invoice's subscription metadata names our checkout when we made it; a Dashboard invoice's does not. */
/** A PaymentIntent's last_payment_error, as Stripe documents it for a card error. */
export type MockPaymentError = {
  type: "card_error" | "api_error" | "invalid_request_error";
  code?: string;
  decline_code?: string;
  message: string;
};
type MockInvoicePayment = {
  invoice: string;
  paymentIntent: string;
  amount: number;
  checkoutId?: string | null;
  metadata?: Record<string, string>;
  /** A failed attempt (status open, nothing paid) and why its PaymentIntent failed. */
  failed?: { error: MockPaymentError; at: number };
};

type Store = {
  prices: Map<string, MockPrice>;
  products: Map<string, MockProduct>;
  sessions: Map<string, MockCheckoutSession>;
  idempotent: Map<string, { method: string; path: string; body: string; status: number; json: unknown }>;
  invoicePayments: MockInvoicePayment[];
  /** Refunds made through the API, oldest first (not idempotent replays). */
  refunds: (Omit<ReturnType<typeof refundObject>, "reason"> & { reason: string | null })[];
  subscriptions: Map<string, MockSubscription>;
  customers: Map<string, MockCustomer>;
  paymentMethods: Map<string, MockPaymentMethod>;
  balanceTransactions: Map<string, MockBalanceTransaction>;
};

/** A subscription as the store keeps it: the webhook builder's shape, plus what updates change. */
export type MockSubscription = Omit<ReturnType<typeof subscriptionObject>, "status" | "items"> & {
  status: string;
  items: { object: string; has_more: boolean; url: string; data: MockSubscriptionItem[] };
  pause_collection: { behavior: string; resumes_at: number | null } | null;
  default_payment_method: string | null;
};
type MockSubscriptionItem = Omit<ReturnType<typeof subscriptionObject>["items"]["data"][number], "price"> & {
  price: {
    id: string;
    product: string;
    unit_amount: number;
    currency: string;
    lookup_key: string | null;
    [key: string]: unknown;
  };
};
export type MockCustomer = ReturnType<typeof customerObject>;
export type MockPaymentMethod = ReturnType<typeof paymentMethodObject>;

/** The session Stripe would create from these params, or the error it would answer with. */
function sessionFromParams(params: FormParams, store: Store) {
  const id = stripeId("cs_test", 58);
  const mode = asString(params.mode) ?? "payment";
  // Stripe's own rules: a session is for a customer or an email, and only a new customer can be created.
  const customer = asString(params.customer) ?? null;
  if (customer && params.customer_email !== undefined) {
    return {
      error: stripeError(400, {
        type: "invalid_request_error",
        param: "customer_email",
        message: "You may only specify one of these parameters: customer, customer_email.",
      }) as Response,
    };
  }
  if (customer && params.customer_creation !== undefined) {
    return {
      error: stripeError(400, {
        type: "invalid_request_error",
        param: "customer_creation",
        message: "`customer_creation` can only be used when `customer` is not set.",
      }) as Response,
    };
  }
  if (customer && !store.customers.has(customer))
    return { error: resourceMissing("customer", customer, "customer") as Response };
  const lineItems = Array.isArray(params.line_items) ? params.line_items.map(asRecord) : [];
  let amountTotal = 0;
  let currency = asString(params.currency) ?? null;
  for (const item of lineItems) {
    const quantity = Number(asString(item.quantity) ?? "1");
    const priceId = asString(item.price);
    if (priceId) {
      const price = store.prices.get(priceId);
      if (!price) return { error: resourceMissing("price", priceId, "line_items[0][price]") as Response };
      // The session's currency picks the price's amount in it, as Stripe does with currency_options.
      const option = currency && currency !== price.currency ? price.currency_options?.[currency] : undefined;
      if (currency && currency !== price.currency && !option)
        return {
          error: stripeError(400, {
            type: "invalid_request_error",
            param: "currency",
            message: `The price specified (${price.id}) does not support the currency ${currency}.`,
          }) as Response,
        };
      amountTotal += (option?.unit_amount ?? price.unit_amount) * quantity;
      currency ??= price.currency;
    } else {
      const priceData = asRecord(item.price_data);
      amountTotal += Number(asString(priceData.unit_amount) ?? "0") * quantity;
      currency ??= asString(priceData.currency) ?? null;
    }
  }
  const created = now();
  return {
    id,
    object: "checkout.session" as const,
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: amountTotal,
    amount_total: amountTotal,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: asString(params.cancel_url) ?? null,
    client_reference_id: asString(params.client_reference_id) ?? null,
    collected_information: null,
    created,
    currency,
    customer,
    customer_creation: asString(params.customer_creation) ?? (mode === "payment" ? "if_required" : null),
    customer_details: null,
    customer_email: asString(params.customer_email) ?? null,
    expires_at: created + 24 * 60 * 60,
    invoice: null,
    livemode: false,
    locale: null,
    metadata: asStringRecord(params.metadata),
    mode,
    payment_intent: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    shipping_address_collection: params.shipping_address_collection ?? null,
    status: "open",
    submit_type: asString(params.submit_type) ?? null,
    subscription: null,
    success_url: asString(params.success_url) ?? null,
    ui_mode: "hosted",
    url: `https://checkout.stripe.com/c/pay/${id}#fidkdWxOYHwnPyd1blpxYHZxWjA0`,
  };
}

export type StripeMock = ReturnType<typeof createStripeMock>;

/** Handlers over a fresh in-memory Stripe account. */
export function createStripeMock() {
  const store: Store = {
    prices: new Map(),
    products: new Map(),
    sessions: new Map(),
    idempotent: new Map(),
    invoicePayments: [],
    refunds: [],
    subscriptions: new Map(),
    customers: new Map(),
    paymentMethods: new Map(),
    balanceTransactions: new Map(),
  };
  const requests: RecordedStripeRequest[] = [];
  const failures: Failure[] = [];
  /** Stripe unreachable: every request fails at the network until brought back. */
  let down = false;

  type Context = { params: FormParams; pathParams: Record<string, string | readonly string[] | undefined> };
  type Resolver = (context: Context) => Response | Promise<Response>;

  /**
   * Every route goes through here: parse, record, maybe fail, replay an idempotent POST the way
   * Stripe does (same key and same body → the first answer; different body → an error).
   */
  function route(method: "get" | "post" | "delete", path: string, resolve: Resolver): HttpHandler {
    return http[method](`${API}${path}`, async ({ request, params: pathParams }) => {
      const url = new URL(request.url);
      const body = method === "post" ? await request.text() : url.search.slice(1);
      const search = new URLSearchParams(body);
      const entry: RecordedStripeRequest = {
        method: request.method,
        path: url.pathname,
        params: parseStripeForm(search),
        form: Object.fromEntries(search),
        idempotencyKey: request.headers.get("idempotency-key"),
        status: 200,
      };
      requests.push(entry);

      const failure = down ? ({ kind: "network" } as const) : failures.shift();
      if (failure?.kind === "network") {
        entry.status = "network-error";
        return HttpResponse.error();
      }
      if (failure?.kind === "status") {
        entry.status = failure.status;
        return stripeError(failure.status, {
          type: failure.status >= 500 ? "api_error" : "invalid_request_error",
          message: failure.status >= 500 ? "An unknown error occurred" : "Injected failure",
        });
      }

      const key = method === "post" ? entry.idempotencyKey : null;
      const previous = key ? store.idempotent.get(key) : undefined;
      if (previous) {
        if (previous.method !== entry.method || previous.path !== entry.path || previous.body !== body) {
          entry.status = 400;
          return stripeError(400, {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          });
        }
        entry.status = previous.status;
        return HttpResponse.json(previous.json as Record<string, unknown>, {
          status: previous.status,
          headers: { ...responseHeaders(), "idempotent-replayed": "true" },
        });
      }

      const response = await resolve({ params: entry.params, pathParams });
      entry.status = response.status;
      if (key && response.status < 500) {
        const json: unknown = await response.clone().json();
        store.idempotent.set(key, { method: entry.method, path: entry.path, body, status: response.status, json });
      }
      return response;
    });
  }

  const ok = (json: unknown) => HttpResponse.json(json as Record<string, unknown>, { headers: responseHeaders() });
  const list = (url: string, data: unknown[]) => ok({ object: "list", data, has_more: false, url });
  const pathId = (context: Context) => String(context.pathParams.id);

  function createPrice(params: FormParams): Response {
    const productId = asString(params.product);
    if (!productId || !store.products.has(productId)) return resourceMissing("product", productId ?? "", "product");
    const unitAmount = asString(params.unit_amount);
    const currency = asString(params.currency);
    if (!unitAmount || !currency)
      return stripeError(400, {
        type: "invalid_request_error",
        message: "Missing required param: unit_amount.",
        param: "unit_amount",
      });
    const lookupKey = asString(params.lookup_key) ?? null;
    if (lookupKey) {
      const holder = [...store.prices.values()].find((p) => p.lookup_key === lookupKey);
      if (holder && params.transfer_lookup_key !== "true") {
        return stripeError(400, {
          type: "invalid_request_error",
          param: "lookup_key",
          message: `A price (\`${holder.id}\`) already uses that lookup key.`,
        });
      }
      if (holder) holder.lookup_key = null;
    }
    const recurring = asRecord(params.recurring);
    const price = buildPrice({
      product: productId,
      unitAmount: Number(unitAmount),
      currency,
      lookupKey,
      nickname: asString(params.nickname) ?? null,
      interval: asString(recurring.interval) ?? null,
      metadata: asStringRecord(params.metadata),
    });
    const options = asRecord(params.currency_options);
    if (Object.keys(options).length > 0)
      price.currency_options = Object.fromEntries([
        [currency, { unit_amount: Number(unitAmount), tax_behavior: "unspecified" as const }],
        ...Object.entries(options).map(([code, option]) => [
          code,
          { unit_amount: Number(asString(asRecord(option).unit_amount)), tax_behavior: "unspecified" as const },
        ]),
      ]);
    store.prices.set(price.id, price);
    return ok(price);
  }

  const handlers: HttpHandler[] = [
    route("post", "/v1/checkout/sessions", ({ params }) => {
      const session = sessionFromParams(params, store);
      if ("error" in session) return session.error as Response;
      store.sessions.set(session.id, session);
      return ok(session);
    }),

    route("get", "/v1/prices", ({ params }) => {
      const keys = Array.isArray(params.lookup_keys)
        ? params.lookup_keys.filter((k): k is string => typeof k === "string")
        : null;
      const active = asBoolean(params.active);
      const product = asString(params.product);
      const limit = Number(asString(params.limit) ?? "10");
      const data = [...store.prices.values()]
        .filter((p) => (keys ? p.lookup_key !== null && keys.includes(p.lookup_key) : true))
        .filter((p) => (active === undefined ? true : p.active === active))
        .filter((p) => (product ? p.product === product : true))
        // Newest first, as Stripe lists them.
        .reverse()
        .slice(0, limit)
        .map((p) => {
          if ((Array.isArray(params.expand) ? params.expand : []).includes("data.currency_options")) return p;
          const { currency_options: _, ...withoutOptions } = p;
          return withoutOptions;
        });
      return list("/v1/prices", data);
    }),
    route("get", "/v1/balance_transactions/:id", (context) => {
      const transaction = store.balanceTransactions.get(pathId(context));
      return transaction ? ok(transaction) : resourceMissing("balance_transaction", pathId(context), "id");
    }),
    route("post", "/v1/prices", ({ params }) => createPrice(params)),
    route("get", "/v1/invoice_payments", ({ params }) => {
      const payment =
        params.payment && typeof params.payment === "object" && !Array.isArray(params.payment) ? params.payment : {};
      const paymentIntent = asString(payment.payment_intent);
      const invoice = asString(params.invoice);
      const expand = Array.isArray(params.expand) ? params.expand : [];
      const data = store.invoicePayments
        .filter((p) => (paymentIntent ? p.paymentIntent === paymentIntent : true))
        .filter((p) => (invoice ? p.invoice === invoice : true))
        .map((p) => ({
          id: stripeId("inpay"),
          object: "invoice_payment",
          invoice: expand.includes("data.invoice")
            ? invoiceObject({
                id: p.invoice,
                checkoutId: p.checkoutId,
                metadata: p.metadata,
                subscription: stripeId("sub"),
                amount: p.amount,
                paymentIntent: p.paymentIntent,
              })
            : p.invoice,
          amount_paid: p.failed ? null : p.amount,
          amount_requested: p.amount,
          currency: "aud",
          is_default: true,
          livemode: false,
          status: p.failed ? "open" : "paid",
          payment: {
            type: "payment_intent",
            payment_intent: expand.includes("data.payment.payment_intent")
              ? {
                  ...paymentIntentObject({
                    id: p.paymentIntent,
                    amount: p.amount,
                    status: p.failed ? "requires_payment_method" : "succeeded",
                  }),
                  ...(p.failed
                    ? {
                        last_payment_error: {
                          ...p.failed.error,
                          charge: stripeId("ch"),
                          doc_url: `https://docs.stripe.com/error-codes/${p.failed.error.code ?? "card-declined"}`,
                        },
                      }
                    : {}),
                }
              : p.paymentIntent,
          },
          created: p.failed?.at ?? now(),
          status_transitions: { paid_at: p.failed ? null : now(), canceled_at: null },
        }));
      return list("/v1/invoice_payments", data);
    }),
    // A refund of a PaymentIntent; the ledger learns of it from charge.refunded, as in real life.
    // Each request (that is not an idempotent replay) makes a new Refund, kept in the store.
    route("post", "/v1/refunds", ({ params }) => {
      const paymentIntent = asString(params.payment_intent);
      if (!paymentIntent)
        return stripeError(400, {
          type: "invalid_request_error",
          message: "Missing required param: payment_intent.",
          param: "payment_intent",
        });
      const reason = asString(params.reason);
      if (reason !== undefined && !["duplicate", "fraudulent", "requested_by_customer"].includes(reason))
        return stripeError(400, {
          type: "invalid_request_error",
          message: "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
          param: "reason",
        });
      const amount = asString(params.amount);
      const refund = {
        ...refundObject({ charge: stripeId("ch"), paymentIntent, amount: amount ? Number(amount) : 0 }),
        reason: (reason ?? null) as string | null,
        metadata: asStringRecord(params.metadata),
      };
      store.refunds.push(refund);
      return ok(refund);
    }),
    route("get", "/v1/prices/:id", (context) => {
      const price = store.prices.get(pathId(context));
      return price ? ok(price) : resourceMissing("price", pathId(context));
    }),
    route("post", "/v1/prices/:id", (context) => {
      const price = store.prices.get(pathId(context));
      if (!price) return resourceMissing("price", pathId(context));
      const { params } = context;
      const active = asBoolean(params.active);
      if (active !== undefined) price.active = active;
      if (params.nickname !== undefined) price.nickname = asString(params.nickname) || null;
      if (params.metadata !== undefined) price.metadata = { ...price.metadata, ...asStringRecord(params.metadata) };
      if (params.lookup_key !== undefined) {
        const lookupKey = asString(params.lookup_key) || null;
        const holder = lookupKey
          ? [...store.prices.values()].find((p) => p.lookup_key === lookupKey && p.id !== price.id)
          : undefined;
        if (holder && params.transfer_lookup_key !== "true") {
          return stripeError(400, {
            type: "invalid_request_error",
            param: "lookup_key",
            message: `A price (\`${holder.id}\`) already uses that lookup key.`,
          });
        }
        if (holder) holder.lookup_key = null;
        price.lookup_key = lookupKey;
      }
      return ok(price);
    }),

    route("get", "/v1/products", ({ params }) => {
      const active = asBoolean(params.active);
      return list(
        "/v1/products",
        [...store.products.values()].filter((p) => (active === undefined ? true : p.active === active)),
      );
    }),
    route("post", "/v1/products", ({ params }) => {
      const id = asString(params.id) ?? stripeId("prod", 14);
      if (store.products.has(id))
        return stripeError(400, {
          type: "invalid_request_error",
          code: "resource_already_exists",
          param: "id",
          message: "Product already exists.",
        });
      const name = asString(params.name);
      if (!name)
        return stripeError(400, {
          type: "invalid_request_error",
          code: "parameter_missing",
          param: "name",
          message: "Missing required param: name.",
        });
      const product = buildProduct({
        id,
        name,
        description: asString(params.description) ?? null,
        metadata: asStringRecord(params.metadata),
      });
      store.products.set(id, product);
      return ok(product);
    }),
    route("get", "/v1/products/:id", (context) => {
      const product = store.products.get(pathId(context));
      return product ? ok(product) : resourceMissing("product", pathId(context));
    }),
    route("post", "/v1/products/:id", (context) => {
      const product = store.products.get(pathId(context));
      if (!product) return resourceMissing("product", pathId(context));
      const { params } = context;
      if (asString(params.name)) product.name = asString(params.name)!;
      if (params.description !== undefined) product.description = asString(params.description) || null;
      const active = asBoolean(params.active);
      if (active !== undefined) product.active = active;
      if (params.metadata !== undefined) product.metadata = { ...product.metadata, ...asStringRecord(params.metadata) };
      product.updated = now();
      return ok(product);
    }),

    route("get", "/v1/subscriptions", ({ params }) => {
      const customer = asString(params.customer);
      const status = asString(params.status);
      const data = [...store.subscriptions.values()]
        .filter((sub) => (customer ? sub.customer === customer : true))
        // Stripe lists every status but canceled unless asked.
        .filter((sub) => (status === "all" ? true : status ? sub.status === status : sub.status !== "canceled"));
      return list("/v1/subscriptions", data);
    }),
    route("get", "/v1/subscriptions/:id", (context) => {
      const sub = store.subscriptions.get(pathId(context));
      return sub ? ok(sub) : resourceMissing("subscription", pathId(context));
    }),
    route("post", "/v1/subscriptions/:id", (context) => {
      const sub = store.subscriptions.get(pathId(context));
      if (!sub) return resourceMissing("subscription", pathId(context));
      if (sub.status === "canceled") {
        return stripeError(400, {
          type: "invalid_request_error",
          message: "A canceled subscription can only update its cancellation_details and metadata.",
        });
      }
      const { params } = context;
      const items = Array.isArray(params.items) ? params.items.map(asRecord) : [];
      for (const change of items) {
        const item = sub.items.data.find((i) => i.id === asString(change.id));
        if (!item) return resourceMissing("subscription_item", asString(change.id) ?? "", "items[0][id]");
        const priceId = asString(change.price);
        if (priceId) {
          const price = store.prices.get(priceId);
          if (!price) return resourceMissing("price", priceId, "items[0][price]");
          item.price = { ...price };
        } else if (change.price_data) {
          const data = asRecord(change.price_data);
          const product = asString(data.product);
          if (!product)
            return stripeError(400, {
              type: "invalid_request_error",
              code: "parameter_missing",
              param: "items[0][price_data][product]",
              message: "Missing required param: items[0][price_data][product].",
            });
          // Inline prices are real, inactive prices in Stripe.
          const price = buildPrice({
            product,
            unitAmount: Number(asString(data.unit_amount) ?? "0"),
            currency: asString(data.currency) ?? sub.currency,
            lookupKey: null,
            nickname: null,
            interval: asString(asRecord(data.recurring).interval) ?? "month",
            metadata: {},
          });
          price.active = false;
          store.prices.set(price.id, price);
          item.price = { ...price };
        }
      }
      const cancelAtPeriodEnd = asBoolean(params.cancel_at_period_end);
      if (cancelAtPeriodEnd !== undefined) sub.cancel_at_period_end = cancelAtPeriodEnd;
      if (params.pause_collection !== undefined) {
        const pause = asRecord(params.pause_collection);
        sub.pause_collection =
          params.pause_collection === ""
            ? null
            : {
                behavior: asString(pause.behavior) ?? "void",
                resumes_at: pause.resumes_at ? Number(asString(pause.resumes_at)) : null,
              };
      }
      const defaultPaymentMethod = asString(params.default_payment_method);
      if (defaultPaymentMethod !== undefined) {
        if (!store.paymentMethods.has(defaultPaymentMethod))
          return resourceMissing("payment_method", defaultPaymentMethod, "default_payment_method");
        sub.default_payment_method = defaultPaymentMethod;
      }
      if (params.metadata !== undefined) sub.metadata = { ...sub.metadata, ...asStringRecord(params.metadata) };
      return ok(sub);
    }),
    route("delete", "/v1/subscriptions/:id", (context) => {
      const sub = store.subscriptions.get(pathId(context));
      if (!sub) return resourceMissing("subscription", pathId(context));
      sub.status = "canceled";
      return ok(sub);
    }),

    route("delete", "/v1/customers/:id", (context) => {
      const id = pathId(context);
      if (!store.customers.delete(id)) return resourceMissing("customer", id);
      return ok({ id, object: "customer", deleted: true });
    }),
    // Only the fields the app sends; "" unsets one, as in Stripe's API.
    route("post", "/v1/customers/:id", ({ params, pathParams }) => {
      const id = String(pathParams.id);
      const customer = store.customers.get(id);
      if (!customer) return resourceMissing("customer", id);
      if (params.name !== undefined) customer.name = asString(params.name) || null;
      if (params.email !== undefined) customer.email = asString(params.email) || null;
      if (params.address !== undefined)
        customer.address = typeof params.address === "string" ? null : addressFromParams(params.address);
      if (params.shipping !== undefined) {
        const shipping = asRecord(params.shipping);
        // Stripe requires a name and an address line with a shipping address.
        if (
          typeof params.shipping !== "string" &&
          (!asString(shipping.name) || !asString(asRecord(shipping.address).line1))
        ) {
          return stripeError(400, {
            type: "invalid_request_error",
            code: "parameter_missing",
            param: "shipping[name]",
            message: "Missing required param: shipping[name].",
          });
        }
        customer.shipping =
          typeof params.shipping === "string"
            ? null
            : {
                name: asString(shipping.name) ?? "",
                phone: asString(shipping.phone) || null,
                address: addressFromParams(shipping.address),
              };
      }
      return ok(customer);
    }),
    route("get", "/v1/customers/:id", (context) => {
      const customer = store.customers.get(pathId(context));
      if (!customer) return resourceMissing("customer", pathId(context));
      const expand = Array.isArray(context.params.expand) ? context.params.expand : [];
      const defaultId = customer.invoice_settings.default_payment_method;
      if (!expand.includes("invoice_settings.default_payment_method") || !defaultId) return ok(customer);
      return ok({
        ...customer,
        invoice_settings: {
          ...customer.invoice_settings,
          default_payment_method: store.paymentMethods.get(defaultId) ?? defaultId,
        },
      });
    }),

    route("post", "/v1/billing_portal/sessions", ({ params }) => {
      const customer = asString(params.customer);
      if (!customer || !store.customers.has(customer)) return resourceMissing("customer", customer ?? "", "customer");
      const id = stripeId("bps", 24);
      const flow = asRecord(params.flow_data);
      return ok({
        id,
        object: "billing_portal.session",
        configuration: stripeId("bpc", 24),
        created: now(),
        customer,
        flow: flow.type
          ? {
              type: asString(flow.type),
              after_completion: { type: "portal_homepage", hosted_confirmation: null, redirect: null },
            }
          : null,
        livemode: false,
        locale: null,
        on_behalf_of: null,
        return_url: asString(params.return_url) ?? null,
        url: `https://billing.stripe.com/p/session/test_${id.slice(4)}`,
      });
    }),
  ];

  return {
    handlers,
    store,
    /** Every request the SDK made, oldest first. */
    requests,
    /** Requests other than GETs: what changed something. */
    writes: () => requests.filter((r) => r.method !== "GET"),
    requestsTo: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path),
    clearRequests() {
      requests.length = 0;
    },
    /** Stripe is unreachable (every request fails at the network) until called again with false. */
    setDown(isDown: boolean) {
      down = isDown;
    },
    /** The next request (of any kind) fails: with an HTTP status in Stripe's error shape, or at the network. */
    failNextRequest(failure: { status: number } | "network" = { status: 500 }) {
      failures.push(failure === "network" ? { kind: "network" } : { kind: "status", status: failure.status });
    },
    /** A Product and Price that already exist in the account, as `npm run stripe:sync` would leave them. */
    addPrice(input: {
      lookupKey: string;
      unitAmount: number;
      currency: string;
      interval?: "month" | "year" | null;
      productId?: string;
      productName?: string;
    }) {
      const productId = input.productId ?? stripeId("prod", 14);
      if (!store.products.has(productId))
        store.products.set(
          productId,
          buildProduct({ id: productId, name: input.productName ?? input.lookupKey, description: null, metadata: {} }),
        );
      const price = buildPrice({
        product: productId,
        unitAmount: input.unitAmount,
        currency: input.currency.toLowerCase(),
        lookupKey: input.lookupKey,
        nickname: null,
        interval: input.interval ?? null,
        metadata: {},
      });
      store.prices.set(price.id, price);
      return price;
    },
    /**
     * Stripe's record that a PaymentIntent paid an invoice (what `invoice_payments` lists). Give
     * the checkout id (or metadata) for an invoice of ours; without either it is a Dashboard invoice.
     */
    addInvoicePayment(input: MockInvoicePayment) {
      store.invoicePayments.push(input);
    },
    /** What Stripe made of a charge in the account's balance: `amount` in `currency`, at `exchangeRate`. */
    addBalanceTransaction(input: { id?: string; amount: number; currency: string; exchangeRate: number | null }) {
      const transaction: MockBalanceTransaction = {
        id: input.id ?? stripeId("txn"),
        object: "balance_transaction",
        amount: input.amount,
        currency: input.currency.toLowerCase(),
        exchange_rate: input.exchangeRate,
        fee: Math.round(input.amount * 0.03),
        net: input.amount - Math.round(input.amount * 0.03),
        source: null,
        status: "pending",
        type: "charge",
        created: now(),
      };
      store.balanceTransactions.set(transaction.id, transaction);
      return transaction;
    },
    pricesWithLookupKey: (lookupKey: string) => [...store.prices.values()].filter((p) => p.lookup_key === lookupKey),
    /** A subscription that already exists in the account (made by Checkout), as its webhooks describe it. */
    addSubscription(input: Parameters<typeof subscriptionObject>[0] & { defaultPaymentMethod?: string | null }) {
      const built = subscriptionObject(input);
      const stored = input.priceId ? store.prices.get(input.priceId) : undefined;
      const subscription: MockSubscription = {
        ...built,
        items: {
          ...built.items,
          data: built.items.data.map((item) => ({ ...item, price: stored ? { ...stored } : item.price })),
        },
        pause_collection: null,
        default_payment_method: input.defaultPaymentMethod ?? null,
      };
      store.subscriptions.set(subscription.id, subscription);
      return subscription;
    },
    addCustomer(input: { id?: string; email?: string; defaultPaymentMethod?: string | null } = {}) {
      const customer = customerObject({
        id: input.id ?? stripeId("cus", 14),
        email: input.email ?? null,
        defaultPaymentMethod: input.defaultPaymentMethod ?? null,
      });
      store.customers.set(customer.id, customer);
      return customer;
    },
    /** A card attached to a customer (what the Customer Portal leaves behind). */
    addCard(input: {
      customer: string;
      brand?: string;
      last4?: string;
      expMonth?: number;
      expYear?: number;
      makeDefault?: boolean;
    }) {
      const method = paymentMethodObject({
        customer: input.customer,
        brand: input.brand ?? "visa",
        last4: input.last4 ?? "4242",
        expMonth: input.expMonth ?? 12,
        expYear: input.expYear ?? 2030,
      });
      store.paymentMethods.set(method.id, method);
      const customer = store.customers.get(input.customer);
      if (customer && input.makeDefault) customer.invoice_settings.default_payment_method = method.id;
      return method;
    },
  };
}

function buildPrice(input: {
  product: string;
  unitAmount: number;
  currency: string;
  lookupKey: string | null;
  nickname: string | null;
  interval: string | null;
  metadata: Record<string, string>;
}): MockPrice {
  return {
    id: stripeId("price"),
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: now(),
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookupKey,
    metadata: input.metadata,
    nickname: input.nickname,
    product: input.product,
    recurring: input.interval
      ? { interval: input.interval, interval_count: 1, meter: null, usage_type: "licensed" }
      : null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: input.interval ? "recurring" : "one_time",
    unit_amount: input.unitAmount,
    unit_amount_decimal: String(input.unitAmount),
  };
}

function buildProduct(input: {
  id: string;
  name: string;
  description: string | null;
  metadata: Record<string, string>;
}): MockProduct {
  const created = now();
  return {
    id: input.id,
    object: "product",
    active: true,
    created,
    default_price: null,
    description: input.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: input.metadata,
    name: input.name,
    package_dimensions: null,
    shippable: null,
    tax_code: null,
    type: "service",
    unit_label: null,
    updated: created,
    url: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook events: realistic envelopes and objects in the pinned API version's shape.

export type StripeEventEnvelope<T = unknown> = {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: T; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

export function stripeEvent<T>(
  type: string,
  object: T,
  options: { id?: string; created?: number } = {},
): StripeEventEnvelope<T> {
  return {
    id: options.id ?? stripeId("evt"),
    object: "event",
    api_version: STRIPE_TEST_API_VERSION,
    created: options.created ?? now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req", 14), idempotency_key: null },
    type,
  };
}

/** The `Stripe-Signature` header Stripe would send for this exact body. */
export function signStripePayload(rawBody: string, secret: string, options: { timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret, timestamp: options.timestamp });
}

/** A webhook delivery as `handleStripeWebhook` receives it: the raw body and its signature. */
export function signedWebhookRequest(payload: unknown, secret: string, options: { timestamp?: number } = {}) {
  const rawBody = typeof payload === "string" ? payload : JSON.stringify(payload, null, 2);
  return { rawBody, signature: signStripePayload(rawBody, secret, options) };
}

type Address = {
  line1: string;
  line2?: string | null;
  city: string;
  state?: string | null;
  postal_code: string;
  country: string;
};
const stripeAddress = (a: Address | null | undefined) =>
  a
    ? {
        line1: a.line1,
        line2: a.line2 ?? null,
        city: a.city,
        state: a.state ?? null,
        postal_code: a.postal_code,
        country: a.country,
      }
    : null;

/** Metadata as `stripe.server.ts` sets it on the session (and on the subscription / PaymentIntent). */
export function checkoutMetadata(input: {
  checkoutId: string;
  campaignId?: number;
  planId?: number | null;
  kind?: string;
}) {
  return {
    checkout_id: input.checkoutId,
    campaign_id: String(input.campaignId ?? 1),
    plan_id: input.planId ? String(input.planId) : "",
    kind: input.kind ?? "one_off",
  };
}

/**
 * The Checkout Session id our checkout row holds (as startCheckout stores it), for checkouts
 * written by tests: a session built for a checkout gets this id unless a test gives another.
 */
export function sessionIdFor(checkoutId: string) {
  return `cs_test_${checkoutId.replace(/-/g, "")}`;
}

export function checkoutSessionObject(input: {
  checkoutId?: string | null;
  metadata?: Record<string, string>;
  mode?: "payment" | "subscription";
  amountTotal: number;
  currency?: string;
  paymentStatus?: "paid" | "unpaid" | "no_payment_required";
  id?: string;
  paymentIntent?: string | null;
  invoice?: string | null;
  subscription?: string | null;
  customer?: string | null;
  email?: string;
  name?: string | null;
  shipping?: { name: string; address: Address } | null;
}) {
  const mode = input.mode ?? "payment";
  const metadata =
    input.metadata ??
    (input.checkoutId
      ? checkoutMetadata({ checkoutId: input.checkoutId, kind: mode === "subscription" ? "monthly" : "one_off" })
      : {});
  const ours = metadata.checkout_id ?? input.checkoutId;
  const id = input.id ?? (ours ? sessionIdFor(ours) : stripeId("cs_test", 58));
  const created = now();
  return {
    id,
    object: "checkout.session" as const,
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    cancel_url: "http://localhost:3000/",
    client_reference_id: input.checkoutId ?? null,
    collected_information: input.shipping
      ? {
          business_name: null,
          individual_name: null,
          shipping_details: { name: input.shipping.name, address: stripeAddress(input.shipping.address) },
        }
      : null,
    created,
    currency: input.currency ?? "aud",
    customer: input.customer === undefined ? stripeId("cus", 14) : input.customer,
    customer_creation: mode === "payment" ? "always" : null,
    customer_details: {
      address: stripeAddress(input.shipping?.address) ?? {
        line1: null,
        line2: null,
        city: null,
        state: null,
        postal_code: null,
        country: "AU",
      },
      email: input.email ?? "reader@example.net",
      name: input.name ?? null,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
    },
    customer_email: input.email ?? "reader@example.net",
    expires_at: created + 24 * 60 * 60,
    invoice: mode === "subscription" ? (input.invoice === undefined ? stripeId("in") : input.invoice) : null,
    livemode: false,
    metadata,
    mode,
    payment_intent:
      mode === "payment" ? (input.paymentIntent === undefined ? stripeId("pi") : input.paymentIntent) : null,
    payment_method_types: ["card"],
    payment_status: input.paymentStatus ?? "paid",
    status: "complete",
    submit_type: mode === "payment" ? "donate" : null,
    subscription:
      mode === "subscription" ? (input.subscription === undefined ? stripeId("sub") : input.subscription) : null,
    success_url: `http://localhost:3000/thanks?ref=${input.checkoutId ?? ""}`,
    url: null,
  };
}

export function invoiceObject(input: {
  id?: string;
  checkoutId?: string | null;
  metadata?: Record<string, string>;
  subscription: string;
  customer?: string;
  amount: number;
  currency?: string;
  status?: "paid" | "open";
  billingReason?: "subscription_create" | "subscription_cycle" | "subscription_update" | "manual";
  paymentIntent?: string | null;
  attemptCount?: number;
  nextPaymentAttempt?: number | null;
  paidAt?: number | null;
  email?: string;
  hostedInvoiceUrl?: string;
}) {
  const id = input.id ?? stripeId("in");
  const status = input.status ?? "paid";
  const paid = status === "paid";
  const created = now();
  const metadata =
    input.metadata ?? (input.checkoutId ? checkoutMetadata({ checkoutId: input.checkoutId, kind: "monthly" }) : {});
  const currency = input.currency ?? "aud";
  const paymentIntent = input.paymentIntent === undefined ? stripeId("pi") : input.paymentIntent;
  return {
    id,
    object: "invoice" as const,
    account_country: "AU",
    account_name: "Fighting Fund Demo Press",
    amount_due: input.amount,
    amount_overpaid: 0,
    amount_paid: paid ? input.amount : 0,
    amount_remaining: paid ? 0 : input.amount,
    attempt_count: input.attemptCount ?? (paid ? 1 : 1),
    attempted: true,
    billing_reason: input.billingReason ?? "subscription_create",
    collection_method: "charge_automatically",
    created,
    currency,
    customer: input.customer ?? stripeId("cus", 14),
    customer_email: input.email ?? "reader@example.net",
    customer_name: null,
    hosted_invoice_url: input.hostedInvoiceUrl ?? `https://invoice.stripe.com/i/acct_test/${id}`,
    last_finalization_error: null,
    lines: { object: "list", data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: input.nextPaymentAttempt ?? null,
    number: `FF-${Math.floor(Math.random() * 1e6)}`,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata, subscription: input.subscription },
    },
    payments: {
      object: "list",
      data: paymentIntent
        ? [
            {
              id: stripeId("inpay"),
              object: "invoice_payment",
              amount_paid: paid ? input.amount : null,
              amount_requested: input.amount,
              currency,
              invoice: id,
              is_default: true,
              livemode: false,
              payment: { type: "payment_intent", payment_intent: paymentIntent },
              status: paid ? "paid" : "open",
            },
          ]
        : [],
      has_more: false,
      url: "/v1/invoice_payments",
    },
    period_end: created,
    period_start: created,
    status,
    status_transitions: {
      finalized_at: created,
      marked_uncollectible_at: null,
      paid_at: paid ? (input.paidAt ?? created) : null,
      voided_at: null,
    },
    subtotal: input.amount,
    total: input.amount,
  };
}

export function subscriptionObject(input: {
  id: string;
  checkoutId?: string | null;
  metadata?: Record<string, string>;
  status: "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";
  unitAmount: number;
  currency?: string;
  quantity?: number;
  currentPeriodEnd: number;
  cancelAtPeriodEnd?: boolean;
  customer?: string;
  priceId?: string;
  /** A catalogue price's lookup key (supporter tiers); gifts use inline prices without one. */
  lookupKey?: string | null;
  /** Collection paused until then (`pause_collection.resumes_at`). */
  pauseResumesAt?: number | null;
  /** When the subscription was created (defaults to now). */
  created?: number;
}) {
  const created = input.created ?? now();
  const currency = input.currency ?? "aud";
  const metadata =
    input.metadata ?? (input.checkoutId ? checkoutMetadata({ checkoutId: input.checkoutId, kind: "monthly" }) : {});
  const canceled = input.status === "canceled";
  return {
    id: input.id,
    object: "subscription" as const,
    billing_cycle_anchor: input.currentPeriodEnd - 30 * 86_400,
    cancel_at: null,
    cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
    canceled_at: canceled ? created : null,
    collection_method: "charge_automatically",
    created,
    currency,
    customer: input.customer ?? stripeId("cus", 14),
    ended_at: canceled ? created : null,
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si", 14),
          object: "subscription_item",
          created,
          current_period_end: input.currentPeriodEnd,
          current_period_start: input.currentPeriodEnd - 30 * 86_400,
          metadata: {},
          price: {
            id: input.priceId ?? stripeId("price"),
            object: "price",
            active: false,
            currency,
            lookup_key: input.lookupKey ?? null,
            product: stripeId("prod", 14),
            recurring: { interval: "month", interval_count: 1, meter: null, usage_type: "licensed" },
            type: "recurring",
            unit_amount: input.unitAmount,
            unit_amount_decimal: String(input.unitAmount),
          },
          quantity: input.quantity ?? 1,
          subscription: input.id,
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${input.id}`,
    },
    latest_invoice: stripeId("in"),
    livemode: false,
    metadata,
    pause_collection: (input.pauseResumesAt ? { behavior: "void", resumes_at: input.pauseResumesAt } : null) as {
      behavior: string;
      resumes_at: number | null;
    } | null,
    start_date: created,
    status: input.status,
  };
}

/**
 * A Charge. A PaymentIntent's metadata is copied onto the charge it creates, so a one-off gift's
 * charge carries our checkout metadata; an invoice's charge carries none.
 */
export function chargeObject(input: {
  id?: string;
  paymentIntent: string;
  amount: number;
  amountRefunded: number;
  currency?: string;
  customer?: string | null;
  metadata?: Record<string, string>;
}) {
  return {
    id: input.id ?? stripeId("ch"),
    object: "charge" as const,
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: input.amountRefunded,
    captured: true,
    created: now(),
    currency: input.currency ?? "aud",
    customer: input.customer ?? null,
    livemode: false,
    metadata: input.metadata ?? {},
    paid: true,
    payment_intent: input.paymentIntent,
    refunded: input.amountRefunded >= input.amount,
    status: "succeeded",
  };
}

/** A PaymentIntent as `payment_intent.*` events carry it (Checkout copies our metadata onto it). */
export function paymentIntentObject(input: {
  id: string;
  amount: number;
  currency?: string;
  customer?: string | null;
  status?: "succeeded" | "processing" | "requires_payment_method";
  metadata?: Record<string, string>;
  latestCharge?: string | null;
}) {
  return {
    id: input.id,
    object: "payment_intent" as const,
    amount: input.amount,
    amount_received: input.status === "succeeded" || input.status === undefined ? input.amount : 0,
    capture_method: "automatic_async",
    created: now(),
    currency: input.currency ?? "aud",
    customer: input.customer ?? null,
    description: null,
    last_payment_error:
      input.status === "requires_payment_method"
        ? { code: "payment_intent_payment_attempt_failed", message: "The payment failed." }
        : null,
    latest_charge: input.latestCharge ?? null,
    livemode: false,
    metadata: input.metadata ?? {},
    payment_method_types: ["card"],
    status: input.status ?? "succeeded",
  };
}

/**
 * A Refund as the API answers and `refund.*` and `charge.refund.updated` events carry it: one
 * refund, not the charge's total.
 */
export function refundObject(input: {
  id?: string;
  charge: string;
  paymentIntent: string;
  amount: number;
  currency?: string;
  status?: "pending" | "succeeded" | "failed";
}) {
  return {
    id: input.id ?? stripeId("re"),
    object: "refund" as const,
    amount: input.amount,
    balance_transaction: stripeId("txn"),
    charge: input.charge,
    created: now(),
    currency: input.currency ?? "aud",
    destination_details: {
      type: "card",
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
    },
    metadata: {} as Record<string, string>,
    payment_intent: input.paymentIntent,
    reason: "requested_by_customer",
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.status ?? "succeeded",
    transfer_reversal: null,
  };
}

export function customerObject(input: { id: string; email: string | null; defaultPaymentMethod: string | null }) {
  return {
    id: input.id,
    object: "customer" as const,
    created: now(),
    email: input.email,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: input.defaultPaymentMethod,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {} as Record<string, string>,
    name: null as string | null,
    address: null as MockAddress | null,
    shipping: null as { name: string; phone: string | null; address: MockAddress } | null,
  };
}

type MockAddress = {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
};

function addressFromParams(value: FormValue | undefined): MockAddress {
  const address = asRecord(value);
  return {
    line1: asString(address.line1) || null,
    line2: asString(address.line2) || null,
    city: asString(address.city) || null,
    state: asString(address.state) || null,
    postal_code: asString(address.postal_code) || null,
    country: asString(address.country) || null,
  };
}

export function paymentMethodObject(input: {
  id?: string;
  customer: string | null;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}) {
  return {
    id: input.id ?? stripeId("pm"),
    object: "payment_method" as const,
    billing_details: { address: null, email: null, name: null, phone: null },
    card: {
      brand: input.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "AU",
      display_brand: input.brand,
      exp_month: input.expMonth,
      exp_year: input.expYear,
      fingerprint: stripeId("fp", 16),
      funding: "credit",
      last4: input.last4,
      networks: { available: [input.brand], preferred: null },
      wallet: null,
    },
    created: now(),
    customer: input.customer,
    livemode: false,
    metadata: {} as Record<string, string>,
    type: "card" as const,
  };
}
