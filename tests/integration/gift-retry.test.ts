// ADR 040: a declined or abandoned payment keeps the gift. "Try again" and the
// payment page's cancel address name the checkout; the form comes back filled in only in the
// browser that started it (a signed cookie), never for whoever else has the link.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { checkouts } from "@db/schema";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { action as campaignAction, loader as campaignLoader } from "~/routes/c.$slug";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

const { t } = useSeededDatabase();

/** Gives on the front page as a browser would; returns the checkout and the browser's cookies after it. */
async function startGift(fields: Record<string, string>) {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  const email = fields.email ?? uniqueEmail();
  const response = await postForm(
    indexAction,
    "/?index",
    { csrf: token, currency: "AUD", frequency: "once", amount: "2500", email, ...fields },
    { cookie },
  );
  expect(response.status).toBe(303);
  const gift = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
  expect(gift).toMatch(/^ff_gift=/);
  const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
  return { checkout, cookies: `${cookie}; ${gift}`, csrfCookie: cookie };
}

async function retryValues(path: string, cookie: string) {
  const response = await callLoader(indexLoader, path, { cookie });
  expect(response.status).toBe(200);
  return ((await response.json()) as { retry: Record<string, string> | null }).retry;
}

describe("a declined or abandoned gift comes back filled in", () => {
  it("every field the reader typed, for the browser that started it", async () => {
    const email = uniqueEmail();
    const { checkout, cookies } = await startGift({
      email,
      frequency: "monthly",
      amount: "custom",
      customAmount: "37.50",
      name: "Rosa Retry",
      anonymous: "on",
      message: "Free the writer",
      coverFees: "on",
    });
    await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "decline" });
    expect(await retryValues(`/?retry=${checkout.id}`, cookies)).toEqual({
      currency: "AUD",
      frequency: "monthly",
      amount: "custom",
      customAmount: "37.50",
      name: "Rosa Retry",
      email,
      message: "Free the writer",
      anonymous: "on",
      coverFees: "on",
    });
  });

  it("a preset amount comes back as that preset; an abandoned (still open) checkout too", async () => {
    const email = uniqueEmail();
    const { checkout, cookies } = await startGift({ email, amount: "5000" });
    expect(await retryValues(`/?retry=${checkout.id}`, cookies)).toEqual({
      currency: "AUD",
      frequency: "once",
      amount: "5000",
      name: "",
      email,
      message: "",
    });
  });

  it("nothing for another browser with the same link, a forged cookie, a paid gift or another campaign's page", async () => {
    const { checkout, cookies, csrfCookie } = await startGift({ name: "Someone Private" });
    // Another browser: only the link.
    expect(await retryValues(`/?retry=${checkout.id}`, csrfCookie)).toBeNull();
    // A cookie naming the checkout but not signed by us.
    expect(
      await retryValues(
        `/?retry=${checkout.id}`,
        `${csrfCookie}; ff_gift=${Buffer.from(JSON.stringify(checkout.id)).toString("base64")}`,
      ),
    ).toBeNull();
    // This browser's cookie, but another checkout's id in the link.
    const other = await startGift({});
    expect(await retryValues(`/?retry=${other.checkout.id}`, cookies)).toBeNull();
    // Another campaign's page.
    const elsewhere = await callLoader(campaignLoader, `/c/defence-fund?retry=${checkout.id}`, {
      params: { slug: "defence-fund" },
      cookie: cookies,
    });
    expect(((await elsewhere.json()) as { retry: unknown }).retry).toBeNull();
    // Paid: nothing to retry.
    await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
    expect(await retryValues(`/?retry=${checkout.id}`, cookies)).toBeNull();
  });

  it("a gift started on a campaign page is bound to the browser too, and a page without ?retry is the blank form", async () => {
    const { cookie, token } = await csrfFor(campaignLoader, "/c/defence-fund", { slug: "defence-fund" });
    const email = uniqueEmail();
    const response = await postForm(
      campaignAction,
      "/c/defence-fund",
      { csrf: token, currency: "AUD", frequency: "once", amount: "5000", email },
      { cookie, params: { slug: "defence-fund" } },
    );
    expect(response.headers.get("Set-Cookie")).toMatch(/^ff_gift=.*Max-Age=7200.*HttpOnly.*SameSite=Lax/i);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
    const cookies = `${cookie}; ${(response.headers.get("Set-Cookie") ?? "").split(";")[0]}`;
    const blank = await callLoader(campaignLoader, "/c/defence-fund", {
      params: { slug: "defence-fund" },
      cookie: cookies,
    });
    expect(((await blank.json()) as { retry: unknown }).retry).toBeNull();
    const back = await callLoader(campaignLoader, `/c/defence-fund?retry=${checkout.id}`, {
      params: { slug: "defence-fund" },
      cookie: cookies,
    });
    expect(((await back.json()) as { retry: { email: string } }).retry.email).toBe(email);
  });
});
