import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, settings, supporters } from "@db/schema";
import { renderEmail, type RenderedEmail } from "~/email/render.server";
import type { EmailTemplates, TemplateName } from "~/email/templates";
import { emailAnnualStatement } from "~/supporters/statement.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

/** Intl separates thousands and the sign with no-break spaces; a reader sees spaces. */
const flat = (text: string) => text.replace(/[\s\u00a0\u202f]+/g, " ");

const RUSSIAN_DATE =
  /\d{1,2} (?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря) \d{4}(?! г)/;
const ENGLISH_DATE =
  /\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}/;

/**
 * A supporter who reads `locale`, and a gift of €1,000.50 from them. The payment is backdated to
 * 2 September 2025 (Melbourne) after its receipt was issued today.
 */
async function giftFrom(locale: "en" | "ru") {
  const email = uniqueEmail(`reader-${locale}`);
  await t.db.insert(supporters).values({ email, name: "Вера Читатель", locale });
  const gift = await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    email,
    name: "Вера Читатель",
    currency: "EUR",
    amountMinor: 100050,
    paidAt: new Date("2025-09-02T03:00:00Z"),
  });
  return { email, ...gift };
}

async function sentTo(email: string, template: TemplateName): Promise<RenderedEmail & { locale: unknown }> {
  const [row] = await t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email), eq(outbox.template, template)));
  expect(row, `a ${template} email to ${email}`).toBeDefined();
  const props = row!.props as EmailTemplates[TemplateName];
  return { ...(await renderEmail(template, props)), locale: props.locale };
}

describe("emails are written in the supporter's stored language", () => {
  it("a Russian reader's receipt: subject, body, euro amount and date in Russian", async () => {
    const { email, payment } = await giftFrom("ru");
    const mail = await sentTo(email, "donation-receipt");
    expect(mail.locale).toBe("ru");
    expect(mail.subject).toBe(`Ваша квитанция ${payment.receiptNumber} от Fighting Fund Demo Press`);
    const text = flat(mail.text);
    expect(text).toContain("Спасибо, Вера Читатель.");
    expect(text).toContain("Пожалуйста, сохраните это письмо: это ваша квитанция.");
    // As Intl writes euros in Russian: "1 000,50 €", no ISO code after a sign that names one currency.
    expect(text).toMatch(/Сумма 1 000,50 €/);
    expect(text).not.toContain("EUR");
    expect(text).toMatch(new RegExp(`Дата оплаты ${RUSSIAN_DATE.source}`));
    expect(text).toMatch(/Назначение Разовое пожертвование: /);
    // Only what the organisation wrote itself (its receipt footer, in its settings) stays as written.
    expect(text).not.toMatch(/Receipt|Amount|Date paid|Please keep|your support/);
    expect(mail.html).toContain('lang="ru"');
  });

  it("an English reader's receipt for the same gift stays English", async () => {
    const { email, payment } = await giftFrom("en");
    const mail = await sentTo(email, "donation-receipt");
    expect(mail.locale).toBe("en");
    expect(mail.subject).toBe(`Your receipt ${payment.receiptNumber} from Fighting Fund Demo Press`);
    const text = flat(mail.text);
    expect(text).toMatch(/Amount €1,000\.50 EUR/);
    expect(text).toMatch(new RegExp(`Date paid ${ENGLISH_DATE.source}`));
    expect(mail.html).toContain('lang="en"');
  });

  it("a Russian reader's annual statement: subject, period, lines and totals in Russian", async () => {
    const { email, supporterId, payment } = await giftFrom("ru");
    await t.db.update(settings).set({ giftsTaxDeductible: "not_deductible" });
    try {
      expect(await emailAnnualStatement(t.db, { supporterId, year: 2026 })).toBe("queued");
    } finally {
      await t.db.update(settings).set({ giftsTaxDeductible: "not_stated" });
    }
    const mail = await sentTo(email, "annual-statement");
    expect(mail.locale).toBe("ru");
    expect(mail.subject).toBe("Ваша выписка за финансовый год 2025–26 от Fighting Fund Demo Press");
    const text = flat(mail.text);
    expect(text).toContain(
      "Вера Читатель, за финансовый год 2025–26 вы пожертвовали 1 000,50 € за вычетом возвратов. Спасибо.",
    );
    expect(text).toContain(`Квитанция ${payment.receiptNumber}, 2 сентября 2025: Разовое пожертвование: `);
    expect(text).toContain("Пожертвования в Fighting Fund Demo Press не вычитаются из налогооблагаемой базы.");
    expect(text).not.toMatch(/statement|gave|Receipt|tax/);
    expect(mail.html).toContain('lang="ru"');
  });
});
