import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { staffNotes, staffUsers } from "@db/schema";
import { eraseSupporter, exportSupporterData } from "~/supporters/privacy.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

describe("staff notes and a supporter's privacy", () => {
  it("are in the supporter's data export, without naming the member of staff, and go with an erasure", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id });
    const [staff] = await t.db
      .insert(staffUsers)
      .values({ email: "desk@fund.example", name: "Desk Person", role: "staff" })
      .returning();
    await t.db.insert(staffNotes).values({ supporterId, staffUserId: staff.id, body: "Prefers a call after 6 pm" });

    const data = await exportSupporterData(t.db, { supporterId });
    expect(JSON.stringify(data)).toContain("Prefers a call after 6 pm");
    expect(JSON.stringify(data)).not.toContain("Desk Person");

    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "erased" });
    expect(await t.db.select().from(staffNotes).where(eq(staffNotes.supporterId, supporterId))).toEqual([]);
  });
});
