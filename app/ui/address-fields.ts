import { t } from "~/i18n/t";

/** The postal address inputs, in order, named as `postalAddress` (app/validation/fields.ts) reads them. */
// Each label is read when shown, in the language of that page (ADR 049).
export const ADDRESS_FIELDS = [
  {
    name: "line1",
    get label() {
      return t("address.line1");
    },
    autoComplete: "address-line1",
  },
  {
    name: "line2",
    get label() {
      return t("address.line2");
    },
    autoComplete: "address-line2",
  },
  {
    name: "city",
    get label() {
      return t("address.city");
    },
    autoComplete: "address-level2",
  },
  {
    name: "state",
    get label() {
      return t("address.state");
    },
    autoComplete: "address-level1",
  },
  {
    name: "postalCode",
    get label() {
      return t("address.postalCode");
    },
    autoComplete: "postal-code",
  },
  {
    name: "country",
    get label() {
      return t("address.country");
    },
    autoComplete: "country",
  },
] as const;
