import { sql } from "drizzle-orm";
import type { DB } from "./client.server";
import { one } from "./rows";
import { campaignCurrencies, campaigns, planPrices, plans, settings } from "./schema";

/** Advisory-lock namespace of the demo seed (the jobs use 727_002, the migrations the one-key form). */
const SEED_LOCK_NAMESPACE = 727_003;

/**
 * Demo data for a fresh installation: the organisation, a default campaign and the supporter
 * tiers. Runs only on an empty database; amounts are data, editable later, never code. Several
 * app processes starting at once on an empty database take turns (a transaction-scoped advisory
 * lock): the first seeds, the others then find the campaigns and leave them be.
 */
export async function seedDemoData(db: DB): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_NAMESPACE}::int, 1)`);
    const { count } = one(
      await tx.select({ count: sql<number>`count(*)::int` }).from(campaigns),
      "seedDemoData: count of campaigns",
    );
    if (count > 0) return false;
    await tx
      .insert(settings)
      .values({
        id: 1,
        orgName: "Fighting Fund Demo Press",
        contactEmail: "supporters@example.org",
        contactAddress: "PO Box 1234, Melbourne VIC 3000, Australia",
        phone: "03 9000 0000",
        receiptFooter: "Thank you for keeping independent journalism alive. ABN 00 000 000 000.",
        feePercentBps: 175,
        feeFixedMinor: 30,
        financialYearStartMonth: 7,
      })
      .onConflictDoNothing();
    const seeded = await tx
      .insert(campaigns)
      .values([
        {
          slug: "fighting-fund-2026",
          name: "Fighting Fund 2026",
          headline: "Keep independent journalism free to read",
          description:
            "We answer to our readers, not advertisers or billionaires. This year's fighting fund pays for reporters on the ground, the print edition and our legal defence.",
          currency: "AUD",
          targetMinor: 25_000_000,
          phone: "03 9000 0000",
          isDefault: true,
          startsAt: new Date("2026-01-01T00:00:00Z"),
          endsAt: new Date("2026-12-31T23:59:59Z"),
        },
        {
          slug: "defence-fund",
          name: "Legal defence fund",
          headline: "Stand with our reporters in court",
          description: "Two of our journalists face charges for reporting on a protest. Your gift pays their lawyers.",
          currency: "AUD",
          targetMinor: 4_000_000,
          phone: "03 9000 0000",
          startsAt: new Date("2026-06-01T00:00:00Z"),
          endsAt: new Date("2027-03-31T23:59:59Z"),
        },
        {
          // An exiled newsroom's appeal, in Russian, in euros, open to readers' other currencies (ADR 050).
          slug: "svobodnye-novosti",
          name: "Свободные новости",
          headline: "Независимая журналистика, которую не заставят замолчать",
          description:
            "Дома нашу редакцию объявили вне закона, но мы продолжаем работать — из эмиграции и для вас. Нас не финансируют ни государство, ни олигархи: только читатели. Небольшой ежемесячный взнос — 5 или 10 евро — оплачивает корреспондентов, юристов и защиту наших источников. Поддержите нас регулярно: даже маленькая сумма каждый месяц значит больше, чем разовый крупный перевод.",
          currency: "EUR",
          targetMinor: 3_000_000,
          minGiftMinor: 300,
          presetAmountsMinor: [500, 1000, 2500, 5000],
          // Its pages open in Russian unless the reader's browser asks for English (ADR 049).
          locale: "ru",
          startsAt: new Date("2026-09-01T00:00:00Z"),
        },
      ])
      .returning({ id: campaigns.id, slug: campaigns.slug });
    const exiled = seeded.find((c) => c.slug === "svobodnye-novosti");
    if (exiled)
      await tx.insert(campaignCurrencies).values([
        { campaignId: exiled.id, currency: "USD", presetAmountsMinor: [500, 1000, 2500, 5000] },
        { campaignId: exiled.id, currency: "GBP", presetAmountsMinor: [500, 1000, 2000, 4000] },
      ]);
    const seededPlans = await tx
      .insert(plans)
      .values([
        {
          code: "digital-monthly",
          tier: "digital",
          billing: "monthly",
          name: "Digital supporter",
          description: "The digital edition, every week.",
          benefits: ["The weekly digital edition", "Supporter newsletter"],
          amountMinor: 500,
          currency: "AUD",
          lookupKey: "ff_digital_monthly_aud",
          sortOrder: 1,
          translations: {
            ru: {
              name: "Цифровая подписка",
              description: "Цифровое издание каждую неделю.",
              benefits: ["Еженедельное цифровое издание", "Рассылка для сторонников"],
            },
          },
        },
        {
          code: "print-monthly",
          tier: "print",
          billing: "monthly",
          name: "Print supporter",
          description: "The print edition posted to you, plus digital.",
          benefits: ["The print edition, posted weekly", "The weekly digital edition", "Supporter newsletter"],
          amountMinor: 1000,
          currency: "AUD",
          lookupKey: "ff_print_monthly_aud",
          sortOrder: 2,
          translations: {
            ru: {
              name: "Печатная подписка",
              description: "Печатное издание по почте, а также цифровое.",
              benefits: [
                "Печатное издание по почте каждую неделю",
                "Еженедельное цифровое издание",
                "Рассылка для сторонников",
              ],
            },
          },
        },
        {
          code: "digital-year",
          tier: "digital",
          billing: "one_time_year",
          name: "Digital supporter — 12 months",
          description: "One payment, a year of the digital edition.",
          benefits: ["The weekly digital edition for 12 months", "Supporter newsletter"],
          amountMinor: 5500,
          currency: "AUD",
          lookupKey: "ff_digital_year_aud",
          sortOrder: 3,
          translations: {
            ru: {
              name: "Цифровая подписка на 12 месяцев",
              description: "Один платёж — год цифрового издания.",
              benefits: ["Еженедельное цифровое издание в течение 12 месяцев", "Рассылка для сторонников"],
            },
          },
        },
        {
          code: "print-year",
          tier: "print",
          billing: "one_time_year",
          name: "Print supporter — 12 months",
          description: "One payment, a year of the print edition posted to you, plus digital.",
          benefits: [
            "The print edition, posted weekly for 12 months",
            "The weekly digital edition",
            "Supporter newsletter",
          ],
          amountMinor: 11000,
          currency: "AUD",
          lookupKey: "ff_print_year_aud",
          sortOrder: 4,
          translations: {
            ru: {
              name: "Печатная подписка на 12 месяцев",
              description: "Один платёж — год печатного издания по почте, а также цифровое.",
              benefits: [
                "Печатное издание по почте каждую неделю в течение 12 месяцев",
                "Еженедельное цифровое издание",
                "Рассылка для сторонников",
              ],
            },
          },
        },
      ])
      .returning({ id: plans.id, code: plans.code });
    // The same tiers for readers paying in euros, dollars or pounds: Stripe Prices' currency_options (ADR 050).
    const abroad: Record<string, [eur: number, usd: number, gbp: number]> = {
      "digital-monthly": [300, 350, 300],
      "print-monthly": [700, 750, 600],
      "digital-year": [3300, 3800, 2900],
      "print-year": [7500, 8000, 6500],
    };
    await tx.insert(planPrices).values(
      seededPlans.flatMap((plan) => {
        const amounts = abroad[plan.code];
        if (!amounts) return [];
        const [eur, usd, gbp] = amounts;
        return [
          { planId: plan.id, currency: "EUR" as const, amountMinor: eur },
          { planId: plan.id, currency: "USD" as const, amountMinor: usd },
          { planId: plan.id, currency: "GBP" as const, amountMinor: gbp },
        ];
      }),
    );
    return true;
  });
}
