import { EmailLink, Paragraph } from "./layout";

/** "Manage your support": signs the supporter straight in for 7 days. */
export function ManageSupportLink({ manageUrl }: { manageUrl?: string | null }) {
  if (!manageUrl) return null;
  return (
    <Paragraph small>
      Change your amount, card or address, pause or cancel: <EmailLink href={manageUrl}>manage your support</EmailLink>.
      This link signs you in for 7 days; don't forward this email.
    </Paragraph>
  );
}
