import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { staffUsers } from "@db/schema";
import { connect, disconnect } from "@db/client.server";
import { DEMO_ADMIN } from "~/auth/staff-accounts.server";
import { createStaffUser, hashPassword } from "~/auth/staff-auth.server";
import { resetEnvCache } from "~/env.server";
import { startApp } from "~/startup.server";
import { useProcessEnv } from "../support/process-env";

/**
 * On the embedded database the console prints the demo admin's sign-in — but only while that
 * account exists and still has the demo password: never for an installation whose staff were
 * there first, and never once the password was changed.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "ff-demo-admin-"));
useProcessEnv({
  cleared: [
    "DEMO_MODE",
    "SESSION_SECRET",
    "DATABASE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "RESEND_API_KEY",
    "MAIL_FROM",
    "SEED_DEMO",
  ],
  set: { NODE_ENV: "development", PGLITE_DATA_DIR: dataDir, OUTBOX_POLL_MS: "60000" },
  dataDir,
});

/** Starts and stops the app on the data directory; what it would print. */
async function demoAdminShown() {
  const app = await startApp();
  try {
    return app.demoAdmin;
  } finally {
    await app.stop();
  }
}

/** Changes the stored database between starts. */
async function withDatabase(change: (db: Awaited<ReturnType<typeof connect>>["db"]) => Promise<unknown>) {
  const handle = await connect({ dataDir });
  try {
    await change(handle.db);
  } finally {
    await disconnect();
  }
}

describe("the demo admin on the console", () => {
  it("is shown on a fresh embedded database, where it was just created", async () => {
    expect(await demoAdminShown()).toEqual({ email: DEMO_ADMIN.email, password: DEMO_ADMIN.password });
  });

  it("is not shown once its password was changed", async () => {
    const passwordHash = await hashPassword("a-new-and-private-password");
    await withDatabase((db) =>
      db.update(staffUsers).set({ passwordHash }).where(eq(staffUsers.email, DEMO_ADMIN.email)),
    );
    expect(await demoAdminShown()).toBeNull();
  });

  it("is not shown (nor created) when other staff were there first", async () => {
    await withDatabase(async (db) => {
      await db.delete(staffUsers).where(eq(staffUsers.email, DEMO_ADMIN.email));
      await createStaffUser(db, {
        email: "owner@fund.example",
        name: "Owner",
        role: "admin",
        password: "an-owner-password-1",
      });
    });
    expect(await demoAdminShown()).toBeNull();
    await withDatabase(async (db) =>
      expect(await db.select().from(staffUsers).where(eq(staffUsers.email, DEMO_ADMIN.email))).toHaveLength(0),
    );
  });

  it("is never made in production, not even for a DEMO_MODE demonstration on the embedded database", async () => {
    const productionDir = mkdtempSync(path.join(tmpdir(), "ff-demo-admin-production-"));
    Object.assign(process.env, {
      NODE_ENV: "production",
      DEMO_MODE: "true",
      SESSION_SECRET: "a-production-secret-of-at-least-32-characters",
      PGLITE_DATA_DIR: productionDir,
    });
    resetEnvCache();
    try {
      expect(await demoAdminShown()).toBeNull();
      const handle = await connect({ dataDir: productionDir });
      try {
        expect(await handle.db.select().from(staffUsers)).toHaveLength(0);
      } finally {
        await disconnect();
      }
    } finally {
      Object.assign(process.env, { NODE_ENV: "development", PGLITE_DATA_DIR: dataDir });
      delete process.env.DEMO_MODE;
      delete process.env.SESSION_SECRET;
      resetEnvCache();
      rmSync(productionDir, { recursive: true, force: true });
    }
  });
});
