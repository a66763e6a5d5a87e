import { and, eq, getTableName } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, payments, sessions, supporters } from "@db/schema";
import { createLoginLink, startSupporterSession } from "~/auth/supporter-auth.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { loader as overviewLoader } from "~/routes/account._index";
import { action as authAction, loader as authLoader } from "~/routes/account.auth.$token";
import { loader as receiptLoader } from "~/routes/account.receipts.$paymentId";
import { action as signInAction, loader as signInLoader } from "~/routes/account.sign-in";
import { action as signOutAction } from "~/routes/account.sign-out";
import { requestSignInLink } from "~/supporters/sign-in.server";
import { createCheckout, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { sendQueuedMail } from "../support/mail";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { changedTables, countAllRows } from "../support/row-counts";
import { openLinks } from "~/auth/link-seal.server";

const { t, fixtures } = useSeededDatabase();

/** A supporter who gave once through the simulated checkout; returns their id, email and payment. */
async function donor() {
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    provider: "simulated",
    email: uniqueEmail("donor"),
  });
  await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
  const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
  return { supporterId: payment.supporterId, email: checkout.email, paymentId: payment.id };
}

const tokenOf = (url: string) => url.split("/account/auth/")[1];
const signInMails = (email: string) =>
  t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email), eq(outbox.template, "sign-in-link")));

async function requestLink(email: string, clientAddress = "198.51.100.20") {
  const { cookie, token } = await csrfFor(signInLoader, "/account/sign-in");
  return postForm(signInAction, "/account/sign-in", { csrf: token, email }, { cookie, clientAddress });
}

/** Opens a link and presses Continue, as a person would. */
async function useLink(linkToken: string) {
  const page = await callLoader(authLoader, `/account/auth/${linkToken}`, { params: { token: linkToken } });
  const cookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  const body = await page.json();
  const response = await postForm(
    authAction,
    `/account/auth/${linkToken}`,
    { csrf: body.csrf },
    { cookie, params: { token: linkToken } },
  );
  return { page: body, response };
}

describe("signing in by email link", () => {
  it("answers the same for a known and an unknown address, and emails a link only to a supporter", async () => {
    const { email } = await donor();
    const stranger = uniqueEmail("stranger");
    const known = await requestLink(email.toUpperCase());
    const unknown = await requestLink(stranger);
    expect(known.status).toBe(303);
    expect(unknown.status).toBe(303);
    expect(known.headers.get("Location")).toBe(unknown.headers.get("Location"));
    // Both are queued alike; the worker sends the supporter a link and the stranger nothing,
    // keeping no trace of the stranger's address.
    const sent = await sendQueuedMail(t.db);
    expect(sent.filter((m) => m.to === email && m.subject.startsWith("Your sign-in link"))).toHaveLength(1);
    expect(sent.filter((m) => m.to === stranger)).toHaveLength(0);
    expect(await signInMails(email)).toHaveLength(1);
    expect(await signInMails(stranger)).toHaveLength(0);
  });

  it("does the same work on the request for a known and an unknown address: the same statements, the same rows", async () => {
    const { email } = await donor();
    const stranger = uniqueEmail("stranger");
    await sendQueuedMail(t.db);
    /** Records each query the request builds on the database handle (the builder and the table it names). */
    function recording() {
      const statements: string[] = [];
      const db = new Proxy(t.db, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            statements.push(
              `${String(key)}(${args.map((a) => (a && typeof a === "object" ? getTableName(a as never) || "…" : typeof a)).join(",")})`,
            );
            return value.apply(target, args);
          };
        },
      });
      return { db, statements };
    }
    const asKnown = recording();
    const asUnknown = recording();
    const before = await countAllRows(t.db);
    expect(await requestSignInLink(asKnown.db, { email, clientAddress: "198.51.100.90" })).toBe("accepted");
    const afterKnown = await countAllRows(t.db);
    expect(await requestSignInLink(asUnknown.db, { email: stranger, clientAddress: "198.51.100.91" })).toBe("accepted");
    const afterUnknown = await countAllRows(t.db);
    expect(asKnown.statements.length).toBeGreaterThan(0);
    expect(asUnknown.statements).toEqual(asKnown.statements);
    // The same rows written: two rate-limit counters and one outbox row, no link token.
    expect(changedTables(before, afterKnown)).toEqual({ outbox: 1, rate_limits: 2 });
    expect(changedTables(afterKnown, afterUnknown)).toEqual({ outbox: 1, rate_limits: 2 });
    const [knownMail] = await signInMails(email);
    const [unknownMail] = await signInMails(stranger);
    expect(unknownMail.props).toEqual(knownMail.props);
    expect({ ...unknownMail, id: "", toEmail: "", idempotencyKey: "", createdAt: null, nextAttemptAt: null }).toEqual({
      ...knownMail,
      id: "",
      toEmail: "",
      idempotencyKey: "",
      createdAt: null,
      nextAttemptAt: null,
    });
  });

  it("a link signs in once: opening it changes nothing, Continue uses it up", async () => {
    const { email, supporterId } = await donor();
    // The supporter keeps Russian (ADR 049): a browser with no language chosen takes it on signing in.
    await t.db.update(supporters).set({ locale: "ru" }).where(eq(supporters.id, supporterId));
    await requestLink(email);
    // The link itself is written in the supporter's language too.
    const [mail] = (await sendQueuedMail(t.db)).filter(
      (m) => m.to === email && m.subject.startsWith("Ваша ссылка для входа"),
    );
    const linkToken = tokenOf(mail.text.match(/http:\/\/localhost:3000\/account\/auth\/[\w-]+/)![0]);
    // A mail scanner opening the link twice does not spend it.
    await callLoader(authLoader, `/account/auth/${linkToken}`, { params: { token: linkToken } });
    const { page, response } = await useLink(linkToken);
    expect(page.state).toBe("valid");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account");
    const sessionCookie = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
    expect(response.headers.get("Set-Cookie")).toMatch(/ff_session=.*HttpOnly.*SameSite=Lax/i);
    expect(response.headers.get("Set-Cookie")).toMatch(/ff_lang=ru; Path=\/;/);
    const overview = await callLoader(overviewLoader, "/account", { cookie: sessionCookie });
    expect(overview.status).toBe(200);
    expect((await overview.json()).supporter.email).toBe(email);
    expect((await t.db.select().from(sessions).where(eq(sessions.supporterId, supporterId))).length).toBe(1);

    const again = await useLink(linkToken);
    expect(again.page.state).toBe("used");
    expect(again.response.status).toBe(410);
  });

  it("refuses an expired link, an altered one, and one sent to an address the supporter no longer has", async () => {
    const { email, supporterId } = await donor();
    const expired = await createLoginLink(t.db, {
      supporterId,
      email,
      purpose: "sign_in",
      ttlMs: 60_000,
      now: new Date(Date.now() - 3_600_000),
    });
    expect((await useLink(tokenOf(expired))).page.state).toBe("expired");
    const fresh = tokenOf(await createLoginLink(t.db, { supporterId, email, purpose: "sign_in", ttlMs: 60_000 }));
    expect((await useLink(`${fresh.slice(0, -2)}xx`)).page.state).toBe("invalid");
    expect((await useLink("short")).page.state).toBe("invalid");
    await t.db
      .update(supporters)
      .set({ email: uniqueEmail("moved") })
      .where(eq(supporters.id, supporterId));
    const { page, response } = await useLink(fresh);
    expect(page.state).toBe("invalid");
    expect(response.status).toBe(410);
  });

  it("the manage link in a receipt signs the supporter in", async () => {
    const { email } = await donor();
    const [receiptMail] = await t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, email), eq(outbox.template, "donation-receipt")));
    const manageUrl = openLinks(receiptMail.props as { manageUrl: string }).manageUrl;
    expect(manageUrl).toMatch(/^http:\/\/localhost:3000\/account\/auth\//);
    const { page, response } = await useLink(tokenOf(manageUrl));
    expect(page).toMatchObject({ state: "valid", purpose: "manage" });
    expect(response.status).toBe(303);
  });

  it("rate-limits link requests per address with a 429", async () => {
    const email = uniqueEmail("hammer");
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await requestLink(email, `192.0.2.${i}`)).status);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
  });

  it("re-renders a bad email with a message and sends nothing", async () => {
    const response = await requestLink("not an email");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: { email: expect.any(String) },
      values: { email: "not an email" },
    });
  });
});

describe("the account area", () => {
  it("sends anyone without a session to the sign-in page", async () => {
    const response = await callLoader(overviewLoader, "/account");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account/sign-in");
  });

  it("shows a supporter their own receipt and nobody else's", async () => {
    const mine = await donor();
    const theirs = await donor();
    const cookie = (await startSupporterSession(t.db, mine.supporterId)).split(";")[0];
    const own = await callLoader(receiptLoader, `/account/receipts/${mine.paymentId}`, {
      cookie,
      params: { paymentId: String(mine.paymentId) },
    });
    expect(own.status).toBe(200);
    expect((await own.json()).receipt.donor.email).toBe(mine.email);
    const other = await callLoader(receiptLoader, `/account/receipts/${theirs.paymentId}`, {
      cookie,
      params: { paymentId: String(theirs.paymentId) },
    });
    expect(other.status).toBe(404);
    const junk = await callLoader(receiptLoader, "/account/receipts/abc", { cookie, params: { paymentId: "abc" } });
    expect(junk.status).toBe(404);
  });

  it("signs out here, or everywhere", async () => {
    const { supporterId } = await donor();
    const phone = (await startSupporterSession(t.db, supporterId)).split(";")[0];
    const laptop = (await startSupporterSession(t.db, supporterId)).split(";")[0];
    const { cookie: csrfCookie, token } = await csrfFor(signInLoader, "/account/sign-in");
    const out = await postForm(
      signOutAction,
      "/account/sign-out",
      { csrf: token },
      { cookie: `${phone}; ${csrfCookie}` },
    );
    expect(out.status).toBe(303);
    expect((await callLoader(overviewLoader, "/account", { cookie: phone })).status).toBe(303);
    expect((await callLoader(overviewLoader, "/account", { cookie: laptop })).status).toBe(200);
    const tablet = (await startSupporterSession(t.db, supporterId)).split(";")[0];
    await postForm(
      signOutAction,
      "/account/sign-out",
      { csrf: token, everywhere: "on" },
      { cookie: `${tablet}; ${csrfCookie}` },
    );
    expect((await callLoader(overviewLoader, "/account", { cookie: laptop })).status).toBe(303);
  });
});
