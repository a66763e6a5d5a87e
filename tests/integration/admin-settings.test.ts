import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, settings } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { loader as layoutLoader } from "~/routes/admin";
import { action as saveSettings, loader as settingsPage } from "~/routes/admin.settings";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t } = useSeededDatabase();

async function admin() {
  const email = `admin.${randomUUID().slice(0, 8)}@fund.example`;
  await createStaffUser(t.db, { email, name: "An admin", role: "admin", password: "a-long-staff-password" });
  const result = await signInStaff(t.db, { email, password: "a-long-staff-password", clientAddress: "203.0.113.41" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const frame = await callLoader(layoutLoader, "/admin", { cookie: staffCookie });
  const csrfCookie = (frame.headers.get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${staffCookie}; ${csrfCookie}`, csrf: ((await frame.json()) as { csrf: string }).csrf };
}
const current = async () => (await t.db.select().from(settings))[0];

describe("admin settings for what supporters are told", () => {
  it("starts with 7 days to the first print edition and nothing said about tax", async () => {
    const me = await admin();
    const page = await (await callLoader(settingsPage, "/admin/settings", { cookie: me.cookie })).json();
    expect(page.values).toEqual({ firstPrintEditionDays: "7", giftsTaxDeductible: "not_stated", embedOrigins: "" });
  });

  it("saves both, records who changed them, and a blank number of days means: say nothing", async () => {
    const me = await admin();
    const response = await postForm(
      saveSettings,
      "/admin/settings",
      { csrf: me.csrf, firstPrintEditionDays: "12", giftsTaxDeductible: "deductible" },
      { cookie: me.cookie },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/settings?saved=1");
    expect(await current()).toMatchObject({ firstPrintEditionDays: 12, giftsTaxDeductible: "deductible" });
    expect(
      await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "settings.update"))),
    ).toHaveLength(1);
    await postForm(
      saveSettings,
      "/admin/settings",
      { csrf: me.csrf, firstPrintEditionDays: " ", giftsTaxDeductible: "not_stated" },
      { cookie: me.cookie },
    );
    expect(await current()).toMatchObject({ firstPrintEditionDays: null, giftsTaxDeductible: "not_stated" });
  });

  it.each([
    [{ firstPrintEditionDays: "a week", giftsTaxDeductible: "not_stated" }, "firstPrintEditionDays"],
    [{ firstPrintEditionDays: "91", giftsTaxDeductible: "not_stated" }, "firstPrintEditionDays"],
    [{ firstPrintEditionDays: "2.5", giftsTaxDeductible: "not_stated" }, "firstPrintEditionDays"],
    [{ firstPrintEditionDays: "7", giftsTaxDeductible: "maybe" }, "giftsTaxDeductible"],
  ])("refuses %o with a message on %s and changes nothing", async (fields, field) => {
    const me = await admin();
    const before = await current();
    const response = await postForm(
      saveSettings,
      "/admin/settings",
      { csrf: me.csrf, ...fields },
      { cookie: me.cookie },
    );
    expect(response.status).toBe(400);
    const data = await response.json();
    expect(data.errors[field]).toMatch(/Enter a whole number|Choose what statements say/);
    expect(data.values).toMatchObject(fields);
    expect(await current()).toEqual(before);
  });
});

describe("admin settings for the sites that may show the appeal block (ADR 044)", () => {
  const save = (me: { csrf: string; cookie: string }, embedOrigins: string) =>
    postForm(
      saveSettings,
      "/admin/settings",
      { csrf: me.csrf, firstPrintEditionDays: "7", giftsTaxDeductible: "not_stated", embedOrigins },
      { cookie: me.cookie },
    );

  it("saves one origin a line as browsers write it, without repeats, and shows them back", async () => {
    const me = await admin();
    const response = await save(
      me,
      "https://News.Example.org/\r\nhttps://www.news.example.org\n\nhttps://news.example.org:443\nhttp://localhost:8080",
    );
    expect(response.status).toBe(303);
    expect((await current()).embedOrigins).toEqual([
      "https://news.example.org",
      "https://www.news.example.org",
      "http://localhost:8080",
    ]);
    const page = await (await callLoader(settingsPage, "/admin/settings", { cookie: me.cookie })).json();
    expect(page.values.embedOrigins).toBe(
      "https://news.example.org\nhttps://www.news.example.org\nhttp://localhost:8080",
    );
    // Emptying the box allows no site again.
    expect((await save(me, "  ")).status).toBe(303);
    expect((await current()).embedOrigins).toEqual([]);
  });

  it("refuses anything but a list of https origins with a clear message, and saves nothing", async () => {
    const me = await admin();
    await save(me, "https://kept.example.org");
    const before = await current();
    expect(before.embedOrigins).toEqual(["https://kept.example.org"]);
    const refused: [string, RegExp][] = [
      ["http://news.example.org", /“http:\/\/news\.example\.org” must start with https:\/\//],
      ["news.example.org", /“news\.example\.org” is not a web address/],
      ["https://news.example.org/articles", /no path/],
      ["https://news.example.org/?x=1", /no path/],
      ["https://editor:secret@news.example.org", /user name or password/],
      ["https://*.example.org", /list each site/],
      ["'none'", /is not a web address/],
      ["https://news.example.org; script-src *", /is not a web address|no path/],
      [Array.from({ length: 21 }, (_, i) => `https://site${i}.example.org`).join("\n"), /at most 20 sites/],
    ];
    for (const [embedOrigins, message] of refused) {
      const typed = `https://fine.example.org\n${embedOrigins}`;
      const response = await save(me, typed);
      expect(response.status, embedOrigins).toBe(400);
      const data = await response.json();
      expect(data.errors.embedOrigins, embedOrigins).toMatch(message);
      expect(data.values.embedOrigins, "what was typed stays in the box").toBe(typed);
      expect(await current(), embedOrigins).toEqual(before);
    }
  });
});
