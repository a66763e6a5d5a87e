import { Body } from "@react-email/body";
import { Container } from "@react-email/container";
import { Head } from "@react-email/head";
import { Heading } from "@react-email/heading";
import { Html } from "@react-email/html";
import { Link } from "@react-email/link";
import { Preview } from "@react-email/preview";
import { Text } from "@react-email/text";
import type { CSSProperties, ReactNode } from "react";
import type { EmailLocale } from "~/email/templates";

// System fonts and no images: every request to another host would tell it who opened the mail.
const fontFamily = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

export const styles = {
  body: { backgroundColor: "#ffffff", color: "#1a1a1a", fontFamily, margin: 0, padding: "24px 0" },
  container: { maxWidth: "600px", padding: "0 16px" },
  h1: { fontSize: "24px", lineHeight: "32px", margin: "0 0 16px", fontWeight: 700 },
  h2: { fontSize: "18px", lineHeight: "26px", margin: "24px 0 8px", fontWeight: 700 },
  text: { fontSize: "16px", lineHeight: "24px", margin: "0 0 16px" },
  small: { fontSize: "14px", lineHeight: "22px", margin: "0 0 8px", color: "#404040" },
  link: { color: "#0b4fbf", textDecoration: "underline" },
  button: {
    display: "inline-block",
    backgroundColor: "#1a1a1a",
    color: "#ffffff",
    fontSize: "16px",
    fontWeight: 700,
    lineHeight: "24px",
    padding: "10px 20px",
    borderRadius: "4px",
    textDecoration: "underline",
  },
} satisfies Record<string, CSSProperties>;

export function EmailLayout({
  preview,
  heading,
  locale = "en",
  children,
}: {
  preview: string;
  heading: string;
  locale?: EmailLocale | undefined;
  children: ReactNode;
}) {
  return (
    <Html lang={locale} dir="ltr">
      <Head>
        <title>{heading}</title>
        <meta name="color-scheme" content="light" />
      </Head>
      <Body style={styles.body}>
        <Preview>{preview}</Preview>
        <Container style={styles.container}>
          <Heading as="h1" style={styles.h1}>
            {heading}
          </Heading>
          {children}
        </Container>
      </Body>
    </Html>
  );
}

export function Paragraph({
  children,
  small = false,
  skipInText = false,
}: {
  children: ReactNode;
  small?: boolean;
  skipInText?: boolean;
}) {
  return (
    <Text style={small ? styles.small : styles.text} data-skip-in-text={skipInText ? "true" : undefined}>
      {children}
    </Text>
  );
}

export function EmailLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} style={styles.link}>
      {children}
    </Link>
  );
}
