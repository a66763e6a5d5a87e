// The phone pledge screen's caller type-ahead: GET /admin/supporters/search?q=… answers signed-in
// staff with at most 8 matches as JSON, refuses bad queries with a message (never a 500), and
// tells a fetch without a session 401 instead of redirecting it to a page it cannot show.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { loader as pledgePageLoader } from "~/routes/admin.pledges.new";
import { loader } from "~/routes/admin.supporters.search";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
let cookie = "";
let printSupporterId = 0;
let callerWithoutEmailId = 0;

type Match = {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  postcode: string | null;
  entitlement: string | null;
};
const search = (q: string | null, withCookie = cookie) =>
  callLoader(
    loader,
    q === null ? "/admin/supporters/search" : `/admin/supporters/search?${new URLSearchParams({ q })}`,
    { cookie: withCookie },
  );
async function results(q: string) {
  const response = await search(q);
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: Match[] }).results;
}

beforeAll(async () => {
  await createStaffUser(t.db, { email: "phones@fund.example", name: "Phone Line", role: "staff", password: PASSWORD });
  const signedIn = await signInStaff(t.db, {
    email: "phones@fund.example",
    password: PASSWORD,
    clientAddress: "203.0.113.80",
  });
  if (signedIn.status !== "ok") throw new Error("sign-in failed");
  cookie = signedIn.cookie.split(";")[0];

  // A print supporter for 12 months, reachable by phone and postcode.
  const plan = fixtures.plan("print-year");
  const print = await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "tier_one_time",
    planId: plan.id,
    amountMinor: plan.amountMinor,
    name: "Wilhelmina Quarrington",
    email: "w.quarrington@example.net",
    address: { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" },
  });
  printSupporterId = print.supporterId;
  await t.db.update(supporters).set({ phone: "+61 3 9000 1234" }).where(eq(supporters.id, printSupporterId));

  const [noEmail] = await t.db
    .insert(supporters)
    .values({ email: null, name: "Quentin Nomail", phone: "0400 555 123", addressPostalCode: "3065" })
    .returning({ id: supporters.id });
  callerWithoutEmailId = noEmail.id;
  await t.db
    .insert(supporters)
    .values({ email: "erased.quarrington@example.net", name: "Erased Quarrington", erasedAt: new Date() });
  await t.db
    .insert(supporters)
    .values(Array.from({ length: 10 }, (_, i) => ({ email: `tessellate.${i}@example.net`, name: `Tessellate ${i}` })));
});

describe("the caller type-ahead", () => {
  it("finds a caller by phone (however it is spaced), email, name or postcode, and says what they receive", async () => {
    for (const q of ["9000 1234", "+61390001234", "w.quarr", "quarrington", "306"]) {
      expect(
        (await results(q)).map((m) => m.id),
        `searching for ${q}`,
      ).toContain(printSupporterId);
    }
    const [match] = await results("w.quarrington@example.net");
    expect(Object.keys(match).sort()).toEqual(["email", "entitlement", "id", "name", "phone", "postcode"]);
    expect(match).toMatchObject({
      id: printSupporterId,
      name: "Wilhelmina Quarrington",
      email: "w.quarrington@example.net",
      phone: "+61 3 9000 1234",
      postcode: "3065",
    });
    expect(match.entitlement).toMatch(/^Print and digital until \d{1,2} \w{3} \d{4}$/);
  });

  it("finds callers who have no email address, and never an erased supporter", async () => {
    const found = await results("3065");
    expect(found.find((m) => m.id === callerWithoutEmailId)).toMatchObject({
      name: "Quentin Nomail",
      email: null,
      phone: "0400 555 123",
      entitlement: null,
    });
    expect((await results("quarrington")).map((m) => m.name)).toEqual(["Wilhelmina Quarrington"]);
  });

  it("answers with at most 8 matches", async () => {
    const found = await results("tessellate");
    expect(found).toHaveLength(8);
    expect(new Set(found.map((m) => m.id)).size).toBe(8);
    expect(found.every((m) => m.name.startsWith("Tessellate "))).toBe(true);
  });

  it.each([
    ["no q at all", null, "Type at least 2 characters."],
    ["an empty q", "", "Type at least 2 characters."],
    ["only spaces", "    ", "Type at least 2 characters."],
    ["one character", "q", "Type at least 2 characters."],
    ["101 characters", "q".repeat(101), "Keep the search under 100 characters."],
  ])("refuses %s with 400 and a message", async (_name, q, message) => {
    const response = await search(q);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message });
  });

  it("tells a request without a staff session 401, with no results", async () => {
    const anonymous = await search("quarrington", "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("Location")).toBeNull();
    const body = (await anonymous.json()) as { message: string; results?: unknown };
    expect(body.message).toMatch(/sign in/);
    expect(body.results).toBeUndefined();
    expect((await search("quarrington", "ff_staff=forged")).status).toBe(401);
  });

  it("the pledge page's search without JavaScript finds the same callers as the type-ahead", async () => {
    const response = await callLoader(pledgePageLoader, `/admin/pledges/new?q=3065`, { cookie });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { matches: Match[] };
    expect(page.matches.map((m) => m.id).sort()).toEqual((await results("3065")).map((m) => m.id).sort());

    const chosen = await callLoader(pledgePageLoader, `/admin/pledges/new?supporter=${callerWithoutEmailId}`, {
      cookie,
    });
    expect(((await chosen.json()) as { selected: unknown }).selected).toMatchObject({
      id: callerWithoutEmailId,
      email: null,
      hasAddress: false,
    });
  });
});
