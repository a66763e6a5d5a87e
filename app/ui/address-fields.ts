/** The postal address inputs, in order, named as `postalAddress` (app/validation/fields.ts) reads them. */
export const ADDRESS_FIELDS = [
  { name: "line1", label: "Street address", autoComplete: "address-line1" },
  { name: "line2", label: "Address line 2 (optional)", autoComplete: "address-line2" },
  { name: "city", label: "Town or city", autoComplete: "address-level2" },
  { name: "state", label: "State (optional)", autoComplete: "address-level1" },
  { name: "postalCode", label: "Postcode", autoComplete: "postal-code" },
  { name: "country", label: "Country code", autoComplete: "country" },
] as const;
