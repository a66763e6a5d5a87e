import type { EmailLocale } from "~/email/templates";
import { t } from "~/i18n/t";
import { EmailLink, Paragraph } from "./layout";

/** "Manage your support": signs the supporter straight in for 7 days. */
export function ManageSupportLink({
  manageUrl,
  locale = "en",
}: {
  manageUrl?: string | null | undefined;
  locale?: EmailLocale | undefined;
}) {
  if (!manageUrl) return null;
  return (
    <Paragraph small>
      {t("email.manage.before", {}, locale)}{" "}
      <EmailLink href={manageUrl}>{t("email.manage.link", {}, locale)}</EmailLink>.{" "}
      {t("email.manage.after", {}, locale)}
    </Paragraph>
  );
}
