// Letters of a vanity number ("1800 FUND 00") as the keypad digits they stand for, a to z.
const KEYPAD = "22233344455566677778889999";

/** A phone number as a `tel:` link: digits (letters as on a keypad) and a leading + only ("03 9000 0000" → "tel:0390000000"). */
export function telHref(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed
    .toLowerCase()
    .replace(/[a-z]/g, (letter) => KEYPAD.charAt(letter.charCodeAt(0) - 97))
    .replace(/\D/g, "");
  return `tel:${trimmed.startsWith("+") ? "+" : ""}${digits}`;
}
