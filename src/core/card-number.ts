/** Card numbers as Token Connect accepts them: 9 to 19 digits. */
export const ACCOUNT_NUMBER_PATTERN = /^[0-9]{9,19}$/;

/** The Luhn (mod 10) check every card number passes. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** A card is valid through the last day of its expiry month (two-digit month and year, 20YY). */
export function isCardExpired(expiryMonth: string, expiryYear: string, now: Date = new Date()): boolean {
  const month = Number(expiryMonth);
  const year = 2000 + Number(expiryYear);
  const nowYear = now.getUTCFullYear();
  const nowMonth = now.getUTCMonth() + 1;
  return year < nowYear || (year === nowYear && month < nowMonth);
}
