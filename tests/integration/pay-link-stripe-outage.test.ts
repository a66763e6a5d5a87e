import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkouts, pledges } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { t as translate } from "~/i18n/t";
import { createPledge } from "~/pledges/pledges.server";
import { action as payAction, loader as payLoader } from "~/routes/pay.$token";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/*
 * A caller opens the payment link staff emailed them and presses Pay while Stripe is failing:
 * they are told plainly that nothing happened (502), no checkout is written, the pledge stays
 * pending, and the same page works once Stripe answers again. (The donate and tier forms with
 * Stripe down: stripe-outages.test.ts.)
 */

const { stripe, server } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

afterEach(() => server.resetHandlers());

const staff = { staffUserId: 0 };
beforeAll(async () => {
  staff.staffUserId = await createStaffUser(t.db, {
    email: "outage.phones@fund.example",
    name: "Outage Phones",
    role: "staff",
    password: null,
  });
});

async function linkPledge() {
  const result = await createPledge(t.db, {
    staff,
    supporter: { email: uniqueEmail("outage-caller"), name: "Olive Outage" },
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 4200,
    payMethod: "link",
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { pledgeId: result.pledgeId, token: result.payUrl!.split("/pay/")[1] };
}

const checkoutsOf = (pledgeId: number) => t.db.select().from(checkouts).where(eq(checkouts.pledgeId, pledgeId));
const statusOf = async (pledgeId: number) =>
  (await t.db.select({ status: pledges.status }).from(pledges).where(eq(pledges.id, pledgeId)))[0].status;

describe("paying a pledge link while Stripe is failing", () => {
  it.each([
    ["unreachable", "network" as const],
    ["answering 500", { status: 500 }],
  ])(
    "Stripe %s: a clear 502, no checkout, the pledge still pending, and pressing Pay again works",
    async (_, failure) => {
      const { pledgeId, token } = await linkPledge();
      const { cookie, token: csrf } = await csrfFor(payLoader, `/pay/${token}`, { token });
      const pay = () => postForm(payAction, `/pay/${token}`, { csrf }, { params: { token }, cookie });

      stripe.failNextRequest(failure);
      const failed = await pay();
      expect(failed.status).toBe(502);
      expect(failed.headers.get("Cache-Control")).toContain("no-store");
      const body = (await failed.json()) as { formError: string };
      expect(body.formError).toBe(translate("error.provider"));
      expect(body.formError).toMatch(/nothing was changed/i);
      expect(await checkoutsOf(pledgeId)).toEqual([]);
      expect(await statusOf(pledgeId)).toBe("pending");
      // The page still offers to pay.
      const page = await callLoader(payLoader, `/pay/${token}`, { params: { token } });
      expect(page.status).toBe(200);
      expect(((await page.json()) as { pledge: { status: string } }).pledge.status).toBe("pending");

      const retried = await pay();
      expect(retried.status).toBe(303);
      expect(retried.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
      const started = await checkoutsOf(pledgeId);
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({ provider: "stripe", amountMinor: 4200, status: "open" });
      expect(await statusOf(pledgeId)).toBe("pending");
    },
  );
});
