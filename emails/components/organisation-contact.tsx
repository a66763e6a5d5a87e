import type { EmailLocale, ReceiptOrganisation } from "~/email/templates";
import { t } from "~/i18n/t";
import { EmailLink, Paragraph } from "./layout";

/** Who sent this and how to reach them; empty settings are left out rather than shown blank. */
export function OrganisationContact({
  organisation,
  locale = "en",
}: {
  organisation: ReceiptOrganisation;
  locale?: EmailLocale | undefined;
}) {
  return (
    <>
      <Paragraph small>
        <strong>{organisation.name}</strong>
        {organisation.contactAddress ? (
          <>
            <br />
            {organisation.contactAddress}
          </>
        ) : null}
        <br />
        <EmailLink href={`mailto:${organisation.contactEmail}`}>{organisation.contactEmail}</EmailLink>
        {organisation.phone ? (
          <>
            <br />
            {t("email.contact.phone", { phone: organisation.phone }, locale)}
          </>
        ) : null}
      </Paragraph>
      {organisation.receiptFooter ? <Paragraph small>{organisation.receiptFooter}</Paragraph> : null}
    </>
  );
}
