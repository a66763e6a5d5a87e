import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { action, loader } from "~/routes/admin.supporters.$id";
import { concurrentEditMessage } from "~/supporters/admin-supporters.server";
import { applyCardChanged } from "~/supporters/cards.server";
import { createCheckout, uniqueEmail } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/**
 * A staff member opens a supporter's contact form; meanwhile Stripe tells us the supporter's new
 * name and postal address (a later checkout), or their new card. The staff save must then be
 * refused with the conflict message, keeping what Stripe said, instead of silently writing the
 * form's older details over it. A webhook that repeats what we already know changes nothing, so
 * it must not refuse the save.
 */

const SECRET = "whsec_supporter_edit_conflicts";
useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

let staffCookie = "";
beforeAll(async () => {
  await createStaffUser(t.db, {
    email: "conflicts@fund.example",
    name: "Conflict Staff",
    role: "staff",
    password: "a-long-conflict-password",
  });
  const result = await signInStaff(t.db, {
    email: "conflicts@fund.example",
    password: "a-long-conflict-password",
    clientAddress: "203.0.113.120",
  });
  if (result.status !== "ok") throw new Error("sign-in failed");
  staffCookie = result.cookie.split(";")[0];
});

const NEW_ADDRESS = { line1: "77 Webhook Street", city: "Brunswick", state: "VIC", postal_code: "3056", country: "AU" };

/** A one-off card gift completed through Stripe's webhook, as in production. */
async function completedGift({
  email,
  customer,
  name,
  shipping,
  owner,
}: {
  email: string;
  customer: string | null;
  name: string;
  shipping?: typeof NEW_ADDRESS;
  owner?: number;
}) {
  // `owner`: started by that supporter while signed in, the only checkout that may change their record (ADR 027).
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    email,
    name,
    amountMinor: 3000,
    supporterId: owner ?? null,
  });
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id }),
    amountTotal: 3000,
    email,
    name,
    customer,
    shipping: shipping ? { name, address: shipping } : null,
  });
  const delivered = await handleStripeWebhook(
    t.db,
    signedWebhookRequest(stripeEvent("checkout.session.completed", session), SECRET),
  );
  expect(delivered.status).toBe(200);
}

const supporterByEmail = async (email: string) =>
  (await t.db.select().from(supporters).where(eq(supporters.email, email)))[0];

/** The supporter page as staff open it, and its contact form posted with what they typed. */
async function openContactForm(supporterId: number) {
  const params = { id: String(supporterId) };
  const page = await callLoader(loader, `/admin/supporters/${supporterId}`, { cookie: staffCookie, params });
  expect(page.status).toBe(200);
  const cookie = `${staffCookie}; ${(page.headers.get("Set-Cookie") ?? "").split(";")[0]}`;
  const data = (await page.json()) as { csrf: string; page: { supporter: { version: string; email: string } } };
  const { version, email } = data.page.supporter;
  return (typed: Record<string, string>) =>
    postForm(
      action,
      `/admin/supporters/${supporterId}`,
      { csrf: data.csrf, intent: "contact", expectedUpdatedAt: version, email, phone: "", ...typed },
      { cookie, params },
    );
}

const staffTyped = {
  name: "Staff Typed Name",
  line1: "1 Old Form Road",
  line2: "",
  city: "Carlton",
  state: "VIC",
  postalCode: "3053",
  country: "AU",
};

async function expectRefused(response: Response) {
  expect(response.status).toBe(409);
  const body = (await response.json()) as { formError: string; values: Record<string, string> };
  expect(body.formError).toBe(concurrentEditMessage());
  // What the staff member typed comes back, to make again after reloading.
  expect(body.values).toMatchObject({ name: staffTyped.name, line1: staffTyped.line1 });
}

const contactAudits = async (supporterId: number) =>
  (
    await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(supporterId)))
  ).filter((a) => a.action === "supporter.update_contact");

describe("a staff edit and a webhook about the same supporter", () => {
  it("their own checkout under their Stripe customer renames them and moves their address: the staff save is refused", async () => {
    const email = uniqueEmail("conflict-customer");
    await completedGift({ email, customer: "cus_ConflictByCustomer", name: "Nina Original" });
    const { id } = await supporterByEmail(email);
    const save = await openContactForm(id);

    await completedGift({
      email,
      customer: "cus_ConflictByCustomer",
      name: "Nina Newname",
      shipping: NEW_ADDRESS,
      owner: id,
    });
    expect(await supporterByEmail(email)).toMatchObject({ name: "Nina Newname", addressLine1: NEW_ADDRESS.line1 });

    await expectRefused(await save(staffTyped));
    expect(await supporterByEmail(email)).toMatchObject({
      name: "Nina Newname",
      addressLine1: NEW_ADDRESS.line1,
      addressCity: NEW_ADDRESS.city,
    });
    expect(await contactAudits(id)).toEqual([]);
  });

  it("a guest checkout with the same email (no Stripe customer) changes nothing of theirs, so the staff save goes through", async () => {
    const email = uniqueEmail("conflict-email");
    await completedGift({ email, customer: null, name: "Gus Guest" });
    const { id } = await supporterByEmail(email);
    const save = await openContactForm(id);

    await completedGift({ email, customer: null, name: "Gus Renamed", shipping: NEW_ADDRESS });
    // Kept for staff to accept or ignore (ADR 027), not written over the profile.
    expect(await supporterByEmail(email)).toMatchObject({
      name: "Gus Guest",
      addressLine1: null,
      checkoutDetails: { name: "Gus Renamed", address: { line1: NEW_ADDRESS.line1 } },
    });

    const saved = await save(staffTyped);
    expect(saved.status).toBe(303);
    expect(await supporterByEmail(email)).toMatchObject({ name: staffTyped.name, addressLine1: staffTyped.line1 });
  });

  it("a card change counts as a change to the record: the staff save is refused", async () => {
    const email = uniqueEmail("conflict-card");
    await completedGift({ email, customer: "cus_ConflictCard", name: "Cara Card" });
    const { id } = await supporterByEmail(email);
    const save = await openContactForm(id);

    await applyCardChanged(t.db, {
      type: "card.changed",
      owner: { providerCustomerId: "cus_ConflictCard" },
      paymentMethodId: "pm_conflict",
      card: { brand: "visa", last4: "4242", expMonth: 12, expYear: 2030 },
      defaultChanged: false,
    });
    expect(await supporterByEmail(email)).toMatchObject({ cardLast4: "4242" });

    await expectRefused(await save(staffTyped));
    expect(await supporterByEmail(email)).toMatchObject({ name: "Cara Card", addressLine1: null, cardLast4: "4242" });
  });

  it("a webhook that repeats what we know changes nothing, so the staff save goes through", async () => {
    const email = uniqueEmail("conflict-repeat");
    await completedGift({ email, customer: "cus_ConflictRepeat", name: "Rita Repeat", shipping: NEW_ADDRESS });
    const { id } = await supporterByEmail(email);
    const save = await openContactForm(id);

    await completedGift({ email, customer: "cus_ConflictRepeat", name: "Rita Repeat", shipping: NEW_ADDRESS });

    const saved = await save(staffTyped);
    expect(saved.status).toBe(303);
    expect(await supporterByEmail(email)).toMatchObject({
      name: staffTyped.name,
      addressLine1: staffTyped.line1,
      addressCity: staffTyped.city,
    });
    expect(await contactAudits(id)).toHaveLength(1);
  });
});
