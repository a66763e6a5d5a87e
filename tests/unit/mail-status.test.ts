import { describe, expect, it } from "vitest";
import { canResend, mailStatus, mailStatusAt } from "~/email/mail-status";

const at = (iso: string) => new Date(iso);
const queued = { sentAt: null, failedAt: null, supersededAt: null, createdAt: at("2026-12-01T09:00:00Z") };

describe("what became of an email", () => {
  it("is sent, failed, superseded or queued, sent winning over a later failure mark", () => {
    expect(mailStatus(queued)).toBe("queued");
    expect(mailStatus({ ...queued, sentAt: at("2026-12-01T09:01:00Z") })).toBe("sent");
    expect(mailStatus({ ...queued, failedAt: at("2026-12-01T10:00:00Z") })).toBe("failed");
    expect(mailStatus({ ...queued, supersededAt: at("2026-12-01T09:02:00Z") })).toBe("superseded");
    // Erasure marks failed only what was not sent: a sent email stays sent.
    expect(mailStatus({ ...queued, sentAt: at("2026-12-01T09:01:00Z"), failedAt: at("2026-12-02T00:00:00Z") })).toBe(
      "sent",
    );
  });

  it("is dated when it reached that status, or when it was queued", () => {
    expect(mailStatusAt(queued)).toEqual(queued.createdAt);
    expect(mailStatusAt({ ...queued, supersededAt: at("2026-12-01T09:02:00Z") })).toEqual(at("2026-12-01T09:02:00Z"));
    expect(mailStatusAt({ ...queued, failedAt: at("2026-12-01T10:00:00Z") })).toEqual(at("2026-12-01T10:00:00Z"));
  });

  it("can be sent again only once sent or failed", () => {
    expect([canResend("sent"), canResend("failed"), canResend("queued"), canResend("superseded")]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
