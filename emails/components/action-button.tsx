import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import type { EmailLocale } from "~/email/templates";
import { t } from "~/i18n/t";
import { EmailLink, Paragraph, styles } from "./layout";

/** A button with its address spelled out below, for clients that break buttons. */
export function ActionButton({
  href,
  locale = "en",
  children,
}: {
  href: string;
  locale?: EmailLocale | undefined;
  children: string;
}) {
  return (
    <>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={href} style={styles.button}>
          {children}
        </Button>
      </Section>
      <Paragraph small skipInText>
        {t("email.button.fallback", {}, locale)} <EmailLink href={href}>{href}</EmailLink>
      </Paragraph>
    </>
  );
}
