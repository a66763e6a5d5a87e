import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, checkouts, payments, receipts, subscriptions, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { applyDelivery } from "~/payments/apply-event.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { printMailingList } from "~/reports/exports.server";
import SupporterPage, { action, loader } from "~/routes/admin.supporters.$id";
import { action as indexAction } from "~/routes/_index";
import type { SupporterForStaff } from "~/supporters/admin-supporters.server";
import { eraseSupporterRecords, exportSupporterData } from "~/supporters/privacy.server";
import { createCheckout, giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { signInAs } from "../support/supporter-session";

const { t, fixtures } = useSeededDatabase();

const HOME = { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" };
const ELSEWHERE = { line1: "99 Diversion Road", city: "Geelong", state: "VIC", postalCode: "3220", country: "AU" };

const supporterRow = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];
const profileOf = async (id: number) => {
  const s = await supporterRow(id);
  return {
    name: s.name,
    phone: s.phone,
    line1: s.addressLine1,
    city: s.addressCity,
    postcode: s.addressPostalCode,
    anonymous: s.anonymous,
    updatedAt: s.updatedAt.toISOString(),
  };
};

async function printList() {
  const text = await new Response(printMailingList(t.db, { on: new Date() })).text();
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\r\n")
    .slice(1)
    .sort();
}

/** A print subscriber: their monthly print tier paid through the (simulated) checkout, with their address. */
async function printSubscriber(name: string) {
  const plan = fixtures.plan("print-monthly");
  return giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "tier_monthly",
    planId: plan.id,
    amountMinor: plan.amountMinor,
    name,
    address: HOME,
  });
}

/** Someone else pays (simulated checkout) with `email`, typing their own name and address. */
async function giveAs(
  email: string,
  input: { name: string; address?: typeof ELSEWHERE; kind?: "one_off" | "tier_one_time"; supporterId?: number | null },
) {
  const plan = input.kind === "tier_one_time" ? fixtures.plan("print-year") : null;
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    provider: "simulated",
    email,
    name: input.name,
    kind: input.kind ?? "one_off",
    planId: plan?.id ?? null,
    amountMinor: plan?.amountMinor ?? 2000,
    supporterId: input.supporterId ?? null,
  });
  expect(
    await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay", address: input.address ?? null }),
  ).toBe("ok");
  const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
  return { checkout, payment };
}

const PASSWORD = "a-long-staff-password";
type StaffBrowser = { cookie: string; csrf: string };
let staff: StaffBrowser;

async function signedInStaff(supporterId: number): Promise<StaffBrowser> {
  const email = `staff.${randomUUID().slice(0, 8)}@fund.example`;
  await createStaffUser(t.db, { email, name: "A staff member", role: "staff", password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.31" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const page = await callLoader(loader, `/admin/supporters/${supporterId}`, {
    cookie: staffCookie,
    params: { id: String(supporterId) },
  });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${staffCookie}; ${csrfCookie}`, csrf: ((await page.json()) as { csrf: string }).csrf };
}

type PageData = { page: SupporterForStaff; notice: string | null } & Record<string, unknown>;
async function staffPage(supporterId: number, query = "") {
  const response = await callLoader(loader, `/admin/supporters/${supporterId}${query}`, {
    cookie: staff.cookie,
    params: { id: String(supporterId) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as PageData;
}
async function renderPage(data: PageData, path: string) {
  const handler = createStaticHandler([
    {
      id: "routes/admin.supporters.$id",
      path: "/admin/supporters/:id",
      loader: () => data,
      Component: SupporterPage as ComponentType,
    },
  ]);
  const context = await handler.query(new Request(`http://localhost${path}`));
  if (context instanceof Response) throw new Error("redirected");
  return renderToString(
    createElement(StaticRouterProvider, {
      router: createStaticRouter(handler.dataRoutes, context),
      context,
      hydrate: false,
    }),
  ).replace(/<!-- -->/g, "");
}
const answer = (supporterId: number, fields: Record<string, string>, who: StaffBrowser = staff) =>
  postForm(
    action,
    `/admin/supporters/${supporterId}`,
    { csrf: who.csrf, ...fields },
    { params: { id: String(supporterId) }, cookie: who.cookie },
  );

beforeAll(async () => {
  const first = await printSubscriber("Staff Page Opener");
  staff = await signedInStaff(first.supporterId);
});

describe("a checkout by someone else never changes a supporter's record", () => {
  it("a gift made with a print supporter's email and another name and address leaves their profile and the print list as they were; staff see what differs", async () => {
    const victim = await printSubscriber("Margaret Lindqvist");
    const email = (await supporterRow(victim.supporterId)).email!;
    const profileBefore = await profileOf(victim.supporterId);
    const listBefore = await printList();
    expect(listBefore.some((line) => line.includes("Margaret Lindqvist") && line.includes("1 Printers Lane"))).toBe(
      true,
    );

    const gift = await giveAs(email.toUpperCase(), { name: "Mallory Impostor", address: ELSEWHERE });

    // The payment is theirs by email, as before; nothing stored about them moved.
    expect(gift.payment.supporterId).toBe(victim.supporterId);
    expect(await profileOf(victim.supporterId)).toEqual(profileBefore);
    expect(await printList()).toEqual(listBefore);
    // The details belong to the payment: its receipt names who typed them.
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, gift.payment.id));
    expect((receipt.snapshot as { donor: { name: string } }).donor.name).toBe("Mallory Impostor");

    // Staff see what the checkout said differently, field by field.
    const data = await staffPage(victim.supporterId);
    expect(data.page.checkoutDetails).toMatchObject({
      name: { given: "Mallory Impostor", stored: "Margaret Lindqvist" },
      address: {
        given: ["99 Diversion Road", "Geelong VIC 3220", "AU"],
        stored: ["1 Printers Lane", "Fitzroy VIC 3065", "AU"],
      },
      phone: null,
    });
    const html = await renderPage(data, `/admin/supporters/${victim.supporterId}`);
    expect(html).toContain("Details given at checkout differ");
    expect(html).toContain("Mallory Impostor");
    expect(html).toMatch(/name="intent" value="accept-details"/);
    expect(html).toMatch(/name="intent" value="ignore-details"/);
  });

  it("a print year bought with someone's email goes to the address given for it, and their own edition still goes to theirs", async () => {
    const victim = await printSubscriber("Oona Printwell");
    const email = (await supporterRow(victim.supporterId)).email!;
    const profileBefore = await profileOf(victim.supporterId);

    const year = await giveAs(email, { name: "Gift Giver", address: ELSEWHERE, kind: "tier_one_time" });

    expect(year.payment.deliveryAddress).toMatchObject({
      name: "Gift Giver",
      line1: "99 Diversion Road",
      postalCode: "3220",
    });
    expect(await profileOf(victim.supporterId)).toEqual(profileBefore);
    const mine = (await printList()).filter((line) => line.startsWith(`${victim.supporterId},`));
    expect(mine).toEqual([
      `${victim.supporterId},Gift Giver,99 Diversion Road,,Geelong,VIC,3220,AU`,
      `${victim.supporterId},Oona Printwell,1 Printers Lane,,Fitzroy,VIC,3065,AU`,
    ]);
  });

  it("a print subscription given the profile's own address follows the profile when its owner moves", async () => {
    const subscriber = await printSubscriber("Petra Moves");
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.supporterId, subscriber.supporterId));
    expect(sub.deliveryAddress).toBeNull();
    await t.db
      .update(supporters)
      .set({ addressLine1: "5 Other Street" })
      .where(eq(supporters.id, subscriber.supporterId));
    const mine = (await printList()).filter((line) => line.startsWith(`${subscriber.supporterId},`));
    expect(mine).toEqual([`${subscriber.supporterId},Petra Moves,5 Other Street,,Fitzroy,VIC,3065,AU`]);
  });

  it("a checkout that was never paid makes no supporter record, not even while its payment is processing", async () => {
    const email = uniqueEmail("never-paid");
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      provider: "simulated",
      email,
      name: "Not A Donor",
    });
    // An async payment method: the session completes unpaid, then the payment fails.
    const customer = { email, name: "Not A Donor" };
    await applyDelivery(t.db, {
      eventId: `sim_evt_${randomUUID()}`,
      type: "simulated.processing",
      createdAt: new Date(),
      events: [{ type: "checkout.completed", checkoutId: checkout.id, paid: false, customer }],
    });
    expect((await t.db.select().from(checkouts).where(eq(checkouts.id, checkout.id)))[0].status).toBe("processing");
    expect(await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "decline" })).toBe("ok");
    const found = await t.db
      .select({ n: count() })
      .from(supporters)
      .where(eq(supporters.emailKey, email.toLowerCase()));
    expect(found[0].n).toBe(0);
  });
});

describe("the supporter's own checkout", () => {
  it("started while signed in, it is marked theirs and its details update their profile", async () => {
    const me = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Old Name" });
    const email = (await supporterRow(me.supporterId)).email!;
    const browser = await signInAs(t.db, me.supporterId);
    const response = await postForm(
      indexAction,
      "/?index",
      { csrf: browser.csrf, currency: "AUD", frequency: "once", amount: "2500", email, name: "New Name" },
      { cookie: browser.cookie, clientAddress: "198.51.100.77" },
    );
    expect(response.status).toBe(303);
    const checkoutId = new URL(response.headers.get("Location")!, "http://localhost").pathname.split("/").pop()!;
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(row.supporterId).toBe(me.supporterId);

    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "pay", address: ELSEWHERE });
    expect(await profileOf(me.supporterId)).toMatchObject({ name: "New Name", line1: "99 Diversion Road" });
    expect((await supporterRow(me.supporterId)).checkoutDetails).toBeNull();
  });

  it("started signed out, the same form is nobody's: it changes nothing", async () => {
    const me = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Kept Name" });
    const email = (await supporterRow(me.supporterId)).email!;
    const signedOut = await signInAs(t.db, me.supporterId);
    // Only the CSRF cookie, not the session.
    const csrfOnly = signedOut.cookie
      .split("; ")
      .filter((c) => c !== signedOut.sessionCookie)
      .join("; ");
    const response = await postForm(
      indexAction,
      "/?index",
      { csrf: signedOut.csrf, currency: "AUD", frequency: "once", amount: "2500", email, name: "Other Name" },
      { cookie: csrfOnly, clientAddress: "198.51.100.78" },
    );
    expect(response.status).toBe(303);
    const checkoutId = new URL(response.headers.get("Location")!, "http://localhost").pathname.split("/").pop()!;
    expect((await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId)))[0].supporterId).toBeNull();
    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "pay", address: ELSEWHERE });
    expect(await profileOf(me.supporterId)).toMatchObject({ name: "Kept Name", line1: null });
    expect((await supporterRow(me.supporterId)).checkoutDetails).toMatchObject({
      checkoutId,
      name: "Other Name",
      address: { line1: "99 Diversion Road" },
    });
  });
});

describe("staff answer details given at checkout", () => {
  async function withDifferingDetails() {
    const victim = await printSubscriber("Rosalind Keep");
    const email = (await supporterRow(victim.supporterId)).email!;
    await giveAs(email, { name: "Rosalind Changed", address: ELSEWHERE });
    const data = await staffPage(victim.supporterId);
    return {
      supporterId: victim.supporterId,
      token: data.page.checkoutDetails!.token,
      version: (data.page.supporter as { version: string }).version,
    };
  }
  const auditOf = (actionName: string, supporterId: number) =>
    t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, actionName), eq(auditLog.targetId, String(supporterId))));

  it("Accept copies them to the profile, is audited and confirms itself after the redirect", async () => {
    const { supporterId, token, version } = await withDifferingDetails();
    const response = await answer(supporterId, {
      intent: "accept-details",
      detailsToken: token,
      expectedUpdatedAt: version,
    });
    expect(response.status).toBe(303);
    const location = response.headers.get("Location")!;
    expect(location).toContain("done=details-accepted");
    expect(await profileOf(supporterId)).toMatchObject({
      name: "Rosalind Changed",
      line1: "99 Diversion Road",
      postcode: "3220",
    });
    expect((await supporterRow(supporterId)).checkoutDetails).toBeNull();
    expect(await auditOf("supporter.accept_checkout_details", supporterId)).toHaveLength(1);
    const after = await staffPage(supporterId, location.slice(location.indexOf("?")));
    expect(after.notice).toBe("details-accepted");
    expect(after.page.checkoutDetails).toBeNull();
    expect(await renderPage(after, location)).toContain("The details given at checkout are now their contact details.");
  });

  it("Ignore discards them and leaves the profile as it was", async () => {
    const { supporterId, token } = await withDifferingDetails();
    const before = await profileOf(supporterId);
    const response = await answer(supporterId, { intent: "ignore-details", detailsToken: token });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toContain("done=details-ignored");
    expect(await profileOf(supporterId)).toEqual(before);
    expect((await supporterRow(supporterId)).checkoutDetails).toBeNull();
    expect(await auditOf("supporter.ignore_checkout_details", supporterId)).toHaveLength(1);
  });

  it("Accept from a page older than the last profile edit is refused, and so is a forged form", async () => {
    const { supporterId, token, version } = await withDifferingDetails();
    // Someone saves the contact form meanwhile.
    await t.db
      .update(supporters)
      .set({ phone: "+61 3 9000 5555", updatedAt: new Date(Date.now() + 1000) })
      .where(eq(supporters.id, supporterId));
    const before = await profileOf(supporterId);
    const stale = await answer(supporterId, {
      intent: "accept-details",
      detailsToken: token,
      expectedUpdatedAt: version,
    });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { formError: string }).formError).toMatch(/Someone else changed/);
    expect(await profileOf(supporterId)).toEqual(before);

    const forged = await answer(supporterId, {
      intent: "accept-details",
      detailsToken: token,
      expectedUpdatedAt: version,
      csrf: "forged",
    });
    expect(forged.status).toBe(403);
    const wrongDetails = await answer(supporterId, {
      intent: "ignore-details",
      detailsToken: "someone-else@2020-01-01",
    });
    expect(wrongDetails.status).toBe(409);
    expect(await profileOf(supporterId)).toEqual(before);
    expect((await supporterRow(supporterId)).checkoutDetails).not.toBeNull();
    expect(await auditOf("supporter.accept_checkout_details", supporterId)).toHaveLength(0);
  });
});

describe("privacy", () => {
  it("the export includes details given at checkout and delivery addresses; erasure removes them", async () => {
    const victim = await printSubscriber("Ines Private");
    const email = (await supporterRow(victim.supporterId)).email!;
    const year = await giveAs(email, { name: "Ines Other", address: ELSEWHERE, kind: "tier_one_time" });

    const exported = await exportSupporterData(t.db, { supporterId: victim.supporterId });
    expect(exported!.supporter.detailsGivenAtCheckout).toMatchObject({
      name: "Ines Other",
      address: { line1: "99 Diversion Road" },
    });
    expect(exported!.payments.find((p) => p.id === year.payment.id)!.deliveryAddress).toMatchObject({
      line1: "99 Diversion Road",
    });

    await t.db.transaction((tx) =>
      eraseSupporterRecords(tx, {
        supporterId: victim.supporterId,
        actor: { type: "system", id: null },
        reason: "request",
      }),
    );
    expect((await supporterRow(victim.supporterId)).checkoutDetails).toBeNull();
    const subs = await t.db
      .select({ d: subscriptions.deliveryAddress })
      .from(subscriptions)
      .where(eq(subscriptions.supporterId, victim.supporterId));
    const paid = await t.db
      .select({ d: payments.deliveryAddress })
      .from(payments)
      .where(eq(payments.supporterId, victim.supporterId));
    expect([...subs, ...paid].map((r) => r.d)).toEqual([...subs, ...paid].map(() => null));
  });
});
