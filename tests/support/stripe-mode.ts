import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { resetEnvCache } from "~/env.server";
import { createStripeMock } from "../mocks/stripe";

/**
 * Runs a test file in Stripe mode: keys in the environment, and MSW answering api.stripe.com
 * from a fresh in-memory account. Any request MSW does not handle fails the test.
 */
export function useStripeMode(webhookSecret = "whsec_fighting_fund_tests") {
  const stripe = createStripeMock();
  const server = setupServer(...stripe.handlers);
  beforeAll(() => {
    process.env.STRIPE_SECRET_KEY = "sk_test_51FightingFundTests";
    process.env.STRIPE_WEBHOOK_SECRET = webhookSecret;
    resetEnvCache();
    server.listen({ onUnhandledRequest: "error" });
  });
  afterAll(() => {
    server.close();
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvCache();
  });
  return { stripe, server, webhookSecret };
}
