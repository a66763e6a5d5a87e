import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";

/** The postal address inputs, in order, named as `postalAddress` (app/validation/fields.ts) reads them. */
// Each label is read when shown, in the language of that page (ADR 049).
export const ADDRESS_FIELDS = [
  field("line1", "address.line1", "address-line1"),
  field("line2", "address.line2", "address-line2"),
  field("city", "address.city", "address-level2"),
  field("state", "address.state", "address-level1"),
  field("postalCode", "address.postalCode", "postal-code"),
  field("country", "address.country", "country"),
] as const;

function field<Name extends string>(name: Name, key: MessageKey, autoComplete: string) {
  return {
    name,
    get label() {
      return t(key);
    },
    autoComplete,
  };
}
