import { describe, expect, it } from 'vitest';
import { isCardExpired, isLuhnValid } from '../../src/core/card-number.ts';

describe('card numbers', () => {
  it.each(['5555555555554444', '5105105105105100', '2223003122003222', '5200828282828210', '4111111111111111', '79927398713'])('%s passes Luhn', (n) => {
    expect(isLuhnValid(n)).toBe(true);
  });
  it.each(['5555555555554445', '79927398710', '', '55555555555544a4'])('%j fails Luhn', (n) => {
    expect(isLuhnValid(n)).toBe(false);
  });
  it('a card is valid through the last day of its expiry month', () => {
    const now = new Date(Date.UTC(2026, 11, 31, 23, 59)); // 31 Dec 2026
    expect(isCardExpired('12', '26', now)).toBe(false);
    expect(isCardExpired('11', '26', now)).toBe(true);
    expect(isCardExpired('01', '27', now)).toBe(false);
    expect(isCardExpired('12', '25', now)).toBe(true);
  });
});
