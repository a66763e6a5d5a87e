import { Form } from "@remix-run/react";
import { t } from "~/i18n/t";

/** The nav's sign-out: a CSRF-protected POST, never a link a crawler could follow. */
export function SignOutButton({ action, csrf }: { action: string; csrf: string }) {
  return (
    <Form method="post" action={action} className="inline-form">
      <input type="hidden" name="csrf" value={csrf} />
      <button type="submit" className="link-button">
        {t("account.signOut")}
      </button>
    </Form>
  );
}
