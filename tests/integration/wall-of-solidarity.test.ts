import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { listen } from "@db/client.server";
import { campaigns, checkouts, payments, pledges, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { PUBLIC_PAGES_CHANNEL } from "~/http/public-page-cache.server";
import { createPledge, pledgeInputFromForm } from "~/pledges/pledges.server";
import { action as messagesAction, loader as messagesLoader } from "~/routes/admin.messages";
import { loader as printLoader } from "~/routes/admin.messages_.print";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { loader as campaignLoader } from "~/routes/c.$slug";
import { eraseSupporterRecords } from "~/supporters/privacy.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

/**
 * The wall of solidarity (ADR 043): approved messages only, signed as their
 * writers chose, never a surname, an email or an amount they did not allow; paged without
 * JavaScript; gone with an erasure; and the same for gifts staff take on the phone.
 */

const { t, fixtures } = useSeededDatabase();

type WallEntry = { id: number; message: string; signature: string; date: string; amount: string | null };
type Wall = { messages: WallEntry[]; olderHref: string | null; newestHref: string | null };

let staff: { cookie: string; csrf: string; staffUserId: number };

beforeAll(async () => {
  const email = `wall.${randomUUID().slice(0, 8)}@fund.example`;
  const user = await createStaffUser(t.db, {
    email,
    name: "Wall staff",
    role: "staff",
    password: "a-long-staff-password",
  });
  const signedIn = await signInStaff(t.db, { email, password: "a-long-staff-password", clientAddress: "203.0.113.42" });
  if (signedIn.status !== "ok") throw new Error("sign-in failed");
  const cookie = signedIn.cookie.split(";")[0]!;
  const page = await callLoader(messagesLoader, "/admin/messages", { cookie });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  staff = {
    cookie: `${cookie}; ${csrfCookie}`,
    csrf: ((await page.json()) as { csrf: string }).csrf,
    staffUserId: user,
  };
});

async function approve(paymentId: number, intent: "approve" | "hide" = "approve") {
  const response = await postForm(
    messagesAction,
    "/admin/messages",
    { csrf: staff.csrf, show: "review", intent, paymentId: String(paymentId) },
    { cookie: staff.cookie },
  );
  expect(response.status).toBe(303);
}

async function wallOf(path = "/"): Promise<Wall> {
  const slug = /^\/c\/([^/?#]+)/.exec(path)?.[1];
  const response = slug
    ? await callLoader(campaignLoader, path, { params: { slug } })
    : await callLoader(indexLoader, path);
  expect(response.status).toBe(200);
  return ((await response.json()) as { wall: Wall }).wall;
}

const HOBART = { line1: "1 Salamanca Place", city: "Hobart", state: "TAS", postalCode: "7000", country: "AU" };

describe("the reader's choice when giving", () => {
  it("the donate form records the name form and the amount choice on the checkout, amount off unless ticked", async () => {
    const give = async (fields: Record<string, string>) => {
      const email = uniqueEmail("wall-form");
      const { cookie, token } = await csrfFor(indexLoader, "/");
      const response = await postForm(
        indexAction,
        "/?index",
        { csrf: token, currency: "AUD", frequency: "once", amount: "2500", email, name: "Rosa Reader", ...fields },
        { cookie, clientAddress: "198.51.100.77" },
      );
      expect(response.status).toBe(303);
      const [row] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
      return row!;
    };
    expect(await give({ anonymous: "name", showAmount: "on", message: "Hold the line." })).toMatchObject({
      anonymous: false,
      showAmount: true,
      message: "Hold the line.",
    });
    expect(await give({ anonymous: "on", message: "Quietly with you." })).toMatchObject({
      anonymous: true,
      showAmount: false,
    });
    expect(await give({ message: "Nothing else ticked." })).toMatchObject({ anonymous: false, showAmount: false });
  });
});

describe("the wall of solidarity on the campaign page", () => {
  it("shows approved messages only, newest first, signed with first name and town or Anonymous, never a surname, email or unallowed amount", async () => {
    const named = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Ana Lucia Marquez",
      email: uniqueEmail("ana"),
      message: "From Hobart with love.",
      address: HOBART,
      paidAt: new Date("2026-11-01T10:00:00Z"),
    });
    const withAmount = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Bo Brennan",
      amountMinor: 4200,
      showAmount: true,
      message: "Proud to chip in.",
      paidAt: new Date("2026-11-02T10:00:00Z"),
    });
    const anonymous = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Cleo Hidden",
      anonymous: true,
      showAmount: true,
      message: "No names, only solidarity.",
      paidAt: new Date("2026-11-03T10:00:00Z"),
    });
    const pending = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Dee Waiting",
      message: "Not read yet.",
      paidAt: new Date("2026-11-04T10:00:00Z"),
    });
    const hidden = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Eve Hidden",
      message: "Staff thought better of this one.",
      paidAt: new Date("2026-11-05T10:00:00Z"),
    });
    for (const gift of [named, withAmount, anonymous, hidden]) await approve(gift.payment.id);
    await approve(hidden.payment.id, "hide");

    const wall = await wallOf("/");
    const mine = wall.messages.filter((m) =>
      [named, withAmount, anonymous, pending, hidden].some((g) => g.payment.id === m.id),
    );
    expect(mine.map((m) => [m.message, m.signature, m.amount])).toEqual([
      ["No names, only solidarity.", "Anonymous", null],
      ["Proud to chip in.", "Bo", "gave $42"],
      ["From Hobart with love.", "Ana, Hobart", null],
    ]);
    const everything = JSON.stringify(wall);
    for (const secret of ["Marquez", "Lucia", "Brennan", "Cleo", "Hidden", named.checkout.email, "$25"])
      expect(everything).not.toContain(secret);
    // The same wall on the campaign's own page; another campaign's wall does not show it.
    expect((await wallOf(`/c/${fixtures.campaign.slug}`)).messages.map((m) => m.id)).toEqual(
      wall.messages.map((m) => m.id),
    );
    expect((await wallOf("/c/defence-fund")).messages.some((m) => m.id === named.payment.id)).toBe(false);
    // Staff see, before and after approving, how the wall signs each message.
    const review = (await (await callLoader(messagesLoader, "/admin/messages", { cookie: staff.cookie })).json()) as {
      messages: { paymentId: number; shownAs: string }[];
    };
    expect(review.messages.find((m) => m.paymentId === pending.payment.id)?.shownAs).toBe("Dee");
  });

  it("a writer who later asks not to be named is Anonymous on the wall from then on", async () => {
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Fay Later",
      message: "Changed my mind about my name.",
    });
    await approve(gift.payment.id);
    const signature = async () => (await wallOf("/")).messages.find((m) => m.id === gift.payment.id)?.signature;
    expect(await signature()).toBe("Fay");
    await t.db.update(supporters).set({ anonymous: true }).where(eq(supporters.id, gift.supporterId));
    expect(await signature()).toBe("Anonymous");
  });

  it("pages back through older messages with plain links (?before=), without repeating or skipping one", async () => {
    const [campaign] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    const ids: number[] = [];
    for (let i = 0; i < 15; i++) {
      const gift = await giveGift(t.db, {
        campaignId: campaign!.id,
        currency: campaign!.currency,
        name: `Reader${i} Surname`,
        message: `Message number ${i}`,
        // Two share a timestamp: the payment id breaks the tie.
        paidAt: new Date(Date.UTC(2026, 10, 10, 0, Math.min(i, 13))),
      });
      await approve(gift.payment.id);
      ids.push(gift.payment.id);
    }
    const first = await wallOf("/c/defence-fund");
    expect(first.messages).toHaveLength(12);
    expect(first.newestHref).toBeNull();
    // The keyset cursor (ADR 047): the paid time to the microsecond in UTC, then the payment id.
    expect(first.olderHref).toMatch(/^\/c\/defence-fund\?before=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d\.\d{6}Z~\d+#wall$/);
    const second = await wallOf(first.olderHref!.replace("#wall", ""));
    expect(second.olderHref).toBeNull();
    expect(second.newestHref).toBe("/c/defence-fund#wall");
    const seen = [...first.messages, ...second.messages].map((m) => m.id);
    expect(seen).toEqual([...ids].reverse());
    // A mangled cursor is the first page, not an error.
    expect((await wallOf("/c/defence-fund?before=yesterday")).messages[0]?.id).toBe(ids.at(-1));
  });
});

describe("erasure and the public pages", () => {
  it("erasure takes the message, its name and its town off the wall and out of the ledger", async () => {
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Gil Gone",
      message: "Erase me later.",
      address: { ...HOBART, city: "Launceston" },
      showAmount: true,
    });
    await approve(gift.payment.id);
    expect((await wallOf("/")).messages.find((m) => m.id === gift.payment.id)?.signature).toBe("Gil, Launceston");
    await t.db.transaction((tx) =>
      eraseSupporterRecords(tx, {
        supporterId: gift.supporterId,
        actor: { type: "staff", id: null },
        reason: "request",
      }),
    );
    expect((await wallOf("/")).messages.some((m) => m.id === gift.payment.id)).toBe(false);
    const [row] = await t.db.select().from(payments).where(eq(payments.id, gift.payment.id));
    expect(row).toMatchObject({ message: null, wallName: null, wallTown: null, wallShowsAmount: false });
  });

  it("approving, hiding and erasing a message tell the cached public pages to render again", async () => {
    const heard: string[] = [];
    const unlisten = await listen(
      PUBLIC_PAGES_CHANNEL,
      (payload) => heard.push(payload),
      () => undefined,
    );
    const waitFor = async (table: string) => {
      for (let i = 0; i < 100 && !heard.includes(table); i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toContain(table);
      heard.length = 0;
    };
    try {
      const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Hal", message: "Cache me." });
      await new Promise((r) => setTimeout(r, 50));
      heard.length = 0;
      await approve(gift.payment.id);
      await waitFor("payments");
      await approve(gift.payment.id, "hide");
      await waitFor("payments");
      await t.db.transaction((tx) =>
        eraseSupporterRecords(tx, {
          supporterId: gift.supporterId,
          actor: { type: "staff", id: null },
          reason: "request",
        }),
      );
      await waitFor("payments");
    } finally {
      await unlisten();
    }
  });
});

describe("gifts taken on the phone line", () => {
  const caller = (name: string) => ({
    name,
    phone: `03 9${String(Math.floor(Math.random() * 1000)).padStart(3, "0")} 4${String(Date.now()).slice(-3)}`,
    address: { line1: "12 Letterbox Road", city: "Castlemaine", state: "VIC", postalCode: "3450", country: "AU" },
  });

  it("the pledge form asks whether to name the caller: unasked or No is Anonymous; their message is moderated like any other", async () => {
    const form = {
      name: "Pat Postal",
      phone: "03 9555 0101",
      addressLine1: "12 Letterbox Road",
      addressCity: "Castlemaine",
      addressState: "VIC",
      addressPostalCode: "3450",
      campaignId: String(fixtures.campaign.id),
      kind: "one_off",
      amount: "40",
      payMethod: "cheque",
      reference: "CHQ 1",
      message: "Read out to the writers, please.",
    };
    const unasked = await pledgeInputFromForm(t.db, form);
    const yes = await pledgeInputFromForm(t.db, { ...form, publicName: "yes" });
    expect(unasked.ok && unasked.input).toMatchObject({ anonymous: true, message: "Read out to the writers, please." });
    expect(yes.ok && yes.input).toMatchObject({ anonymous: false });

    const anonymousGift = await createPledge(t.db, {
      staff: { staffUserId: staff.staffUserId },
      supporter: caller("Quinn Quiet"),
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 4000,
      payMethod: "cash",
      anonymous: true,
      message: "From the phone, unnamed.",
    });
    const namedGift = await createPledge(t.db, {
      staff: { staffUserId: staff.staffUserId },
      supporter: caller("Pat Postal-Smith"),
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 4000,
      payMethod: "cash",
      anonymous: false,
      message: "From the phone, named.",
    });
    if (!anonymousGift.ok || !namedGift.ok) throw new Error("pledge refused");
    // Waiting for staff, like any message.
    expect((await wallOf("/")).messages.some((m) => m.id === anonymousGift.paymentId)).toBe(false);
    await approve(anonymousGift.paymentId!);
    await approve(namedGift.paymentId!);
    const wall = await wallOf("/");
    expect(wall.messages.find((m) => m.id === anonymousGift.paymentId)?.signature).toBe("Anonymous");
    expect(wall.messages.find((m) => m.id === namedGift.paymentId)?.signature).toBe("Pat, Castlemaine");
    expect(JSON.stringify(wall)).not.toContain("Quinn");
    expect(JSON.stringify(wall)).not.toContain("Postal-Smith");
  });

  it("a caller paying by emailed link keeps their choice and message through the checkout", async () => {
    const result = await createPledge(t.db, {
      staff: { staffUserId: staff.staffUserId },
      supporter: { email: uniqueEmail("link-caller"), name: "Lee Linked" },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 3000,
      payMethod: "link",
      anonymous: true,
      message: "Paid by link.",
    });
    if (!result.ok) throw new Error("pledge refused");
    const [pledge] = await t.db.select().from(pledges).where(eq(pledges.id, result.pledgeId));
    expect(pledge).toMatchObject({ anonymous: true, message: "Paid by link." });
  });
});

describe("the printable bundle for staff", () => {
  it("lists approved messages as the wall signs them, by campaign and date range, for staff only", async () => {
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Ivy Inprint Jones",
      message: "Please pass this on.",
      paidAt: new Date("2026-10-15T02:00:00Z"),
    });
    const unapproved = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      name: "Jo Pending",
      message: "Not approved, not printed.",
      paidAt: new Date("2026-10-15T03:00:00Z"),
    });
    await approve(gift.payment.id);
    type Bundle = { messages: { id: number; signature: string; message: string; amount: string | null }[] };
    const bundle = async (query: string) => {
      const response = await callLoader(printLoader, `/admin/messages/print${query}`, { cookie: staff.cookie });
      expect(response.status).toBe(200);
      return (await response.json()) as Bundle;
    };
    const all = await bundle("");
    expect(all.messages.find((m) => m.id === gift.payment.id)).toMatchObject({
      signature: "Ivy",
      message: "Please pass this on.",
      amount: null,
    });
    expect(all.messages.some((m) => m.id === unapproved.payment.id)).toBe(false);
    expect(JSON.stringify(all)).not.toContain("Jones");
    const inRange = await bundle(`?campaign=${fixtures.campaign.id}&from=2026-10-15&to=2026-10-15`);
    expect(inRange.messages.map((m) => m.id)).toEqual([gift.payment.id]);
    expect((await bundle("?from=2026-10-16")).messages.some((m) => m.id === gift.payment.id)).toBe(false);
    const [other] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    expect((await bundle(`?campaign=${other!.id}`)).messages.some((m) => m.id === gift.payment.id)).toBe(false);
    // Nonsense filters are ignored, never a 500.
    expect((await bundle("?campaign=x&from=not-a-date")).messages.length).toBeGreaterThan(0);

    const signedOut = await callLoader(printLoader, "/admin/messages/print");
    expect(signedOut.status).toBe(303);
  });
});
