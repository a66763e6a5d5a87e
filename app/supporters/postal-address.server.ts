import { z } from "zod";
import { hasNoControlCharacters } from "~/giving/forms.server";
import { t } from "~/i18n/t";

const required = (max: number, message: Parameters<typeof t>[0]) =>
  z
    .string({ message: t(message) })
    .trim()
    .min(1, t(message))
    .max(max, t("error.address.tooLong"))
    .refine(hasNoControlCharacters(), t("error.text.control"));
const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max, t("error.address.tooLong"))
    .refine(hasNoControlCharacters(), t("error.text.control"))
    .optional()
    .transform((v) => v || null);

/** A postal address as people type it (the simulated checkout's print form, the profile page). */
export const PostalAddressSchema = z.object({
  line1: required(200, "error.address.line1"),
  line2: optional(200),
  city: required(200, "error.address.city"),
  state: optional(100),
  postalCode: required(20, "error.address.postalCode"),
  country: z
    .string({ message: t("error.address.country") })
    .trim()
    .regex(/^[A-Za-z]{2}$/, t("error.address.country"))
    .transform((c) => c.toUpperCase()),
});
