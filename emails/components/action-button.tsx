import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import { EmailLink, Paragraph, styles } from "./layout";

/** A button with its address spelled out below, for clients that break buttons. */
export function ActionButton({ href, children }: { href: string; children: string }) {
  return (
    <>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={href} style={styles.button}>
          {children}
        </Button>
      </Section>
      <Paragraph small skipInText>
        If the button doesn't work, copy this address into your browser: <EmailLink href={href}>{href}</EmailLink>
      </Paragraph>
    </>
  );
}
