import { Form, Link, type LinkProps } from "@remix-run/react";
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { ErrorSummary } from "~/ui/fields";

/**
 * The admin's shared look: buttons, link-buttons, summary lists and cards,
 * and tables that scroll inside themselves. Styled by the "Admin components" block of app.css.
 */

type Variant = "primary" | "secondary" | "danger" | "quiet";
const variantClass = (variant: Variant, compact?: boolean) =>
  `admin-button admin-button--${variant}${compact ? " admin-button--compact" : ""}`;

export function Button({
  variant = "primary",
  compact,
  className,
  type = "submit",
  ...button
}: { variant?: Variant; compact?: boolean } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button type={type} {...button} className={[variantClass(variant, compact), className].filter(Boolean).join(" ")} />
  );
}

export function LinkButton({
  variant = "secondary",
  compact,
  className,
  ...link
}: { variant?: Variant; compact?: boolean } & LinkProps) {
  return <Link {...link} className={[variantClass(variant, compact), className].filter(Boolean).join(" ")} />;
}

/** Label and value pairs, one per line (a description list). */
export function SummaryList({
  rows,
  className,
}: {
  rows: ({ label: string; value: ReactNode } | null | false)[];
  className?: string;
}) {
  return (
    <dl className={["summary", "admin-summary", className].filter(Boolean).join(" ")}>
      {rows
        .filter((r): r is { label: string; value: ReactNode } => Boolean(r))
        .map((r) => (
          <div key={r.label}>
            <dt>{r.label}</dt>
            <dd>{r.value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** A titled box of facts; `headingId` ties the section's name to its heading. */
export function SummaryCard({
  title,
  headingId,
  level = 2,
  children,
  tone,
}: {
  title: string;
  headingId: string;
  level?: 2 | 3;
  children: ReactNode;
  tone?: "warning";
}) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section className={`admin-card${tone ? ` admin-card--${tone}` : ""}`} aria-labelledby={headingId}>
      <Heading id={headingId}>{title}</Heading>
      {children}
    </section>
  );
}

/** A table that scrolls sideways inside its own region on narrow screens, never the page. */
export function DataTable({
  caption,
  captionHidden = true,
  children,
}: {
  caption: string;
  captionHidden?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll admin-table-wrap">
      <table className="admin-table">
        <caption className={captionHidden ? "visually-hidden" : undefined}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}

/**
 * The one way an admin page says how a change went: a "done" line (a status, announced without
 * moving focus) or a problem that is not tied to one field (an alert in the error box). Problems
 * with fields go in the form's ErrorSummary instead.
 */
export function Notice({ tone, children }: { tone: "done" | "error"; children: ReactNode }) {
  return tone === "done" ? (
    <p className="notice-done" role="status">
      {children}
    </p>
  ) : (
    <p className="error-summary" role="alert">
      {children}
    </p>
  );
}

/** The row of buttons that ends a form or a section: wraps on narrow screens. */
export function FormActions({ children }: { children: ReactNode }) {
  return <div className="admin-actions">{children}</div>;
}

/**
 * An admin editing form: posts with its CSRF token (and the record's version when editing), lists
 * its problems first, and ends with one submit button.
 */
export function AdminForm({
  csrf,
  version,
  formError,
  errors,
  labels,
  submitLabel,
  busyLabel,
  busy,
  children,
}: {
  csrf: string;
  version?: string;
  formError?: string;
  errors?: Partial<Record<string, string>>;
  labels: Record<string, string>;
  submitLabel: string;
  busyLabel?: string;
  busy?: boolean;
  children: ReactNode;
}) {
  return (
    <Form method="post" noValidate className="admin-form">
      <ErrorSummary formError={formError} errors={errors} labels={labels} />
      <input type="hidden" name="csrf" value={csrf} />
      {version ? <input type="hidden" name="version" value={version} /> : null}
      {children}
      <FormActions>
        <Button disabled={busy}>{busy && busyLabel ? busyLabel : submitLabel}</Button>
      </FormActions>
    </Form>
  );
}
