// ADR 040: the privacy page names the card processor and the email service
// this installation really uses, and says so when they are simulated.
import { describe, expect, it } from "vitest";
import { resetEnvCache } from "~/env.server";
import { loader } from "~/routes/privacy";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

useSeededDatabase();

async function privacy() {
  return (await (await callLoader(loader, "/privacy")).json()) as {
    stripe: boolean;
    resend: boolean;
    contactEmail: string;
  };
}

describe("the privacy page", () => {
  it("says payments and emails are simulated when they are", async () => {
    expect(await privacy()).toMatchObject({ stripe: false, resend: false });
  });

  it("names Stripe and Resend when the installation uses them", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        STRIPE_SECRET_KEY: "sk_test_51Privacy",
        STRIPE_WEBHOOK_SECRET: "whsec_privacy",
        RESEND_API_KEY: "re_privacy",
        MAIL_FROM: "Fund <fund@example.org>",
      });
      resetEnvCache();
      expect(await privacy()).toMatchObject({ stripe: true, resend: true });
    } finally {
      for (const key of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "RESEND_API_KEY", "MAIL_FROM"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      resetEnvCache();
    }
  });
});
