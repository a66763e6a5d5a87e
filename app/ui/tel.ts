/** A phone number as a `tel:` link: digits and a leading + only ("03 9000 0000" → "tel:0390000000"). */
export function telHref(phone: string): string {
  const trimmed = phone.trim();
  return `tel:${trimmed.startsWith("+") ? "+" : ""}${trimmed.replace(/\D/g, "")}`;
}
