import type { ReceiptOrganisation } from "~/email/templates";
import { EmailLink, Paragraph } from "./layout";

/** Who sent this and how to reach them; empty settings are left out rather than shown blank. */
export function OrganisationContact({ organisation }: { organisation: ReceiptOrganisation }) {
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
            {`Phone: ${organisation.phone}`}
          </>
        ) : null}
      </Paragraph>
      {organisation.receiptFooter ? <Paragraph small>{organisation.receiptFooter}</Paragraph> : null}
    </>
  );
}
