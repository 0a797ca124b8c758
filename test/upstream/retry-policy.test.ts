import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterSeconds, sleep } from '../../src/upstream/retry-policy.ts';

describe('backoffDelayMs', () => {
  it('doubles from the base, caps, and adds at most one base of jitter', () => {
    expect(backoffDelayMs(1, 100, 2000, () => 0)).toBe(100);
    expect(backoffDelayMs(2, 100, 2000, () => 0)).toBe(200);
    expect(backoffDelayMs(3, 100, 2000, () => 0.5)).toBe(450);
    expect(backoffDelayMs(10, 100, 2000, () => 0.999)).toBe(2100);
  });
});

describe('parseRetryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterSeconds('7', now)).toBe(7);
    expect(parseRetryAfterSeconds(' 0 ', now)).toBe(0);
    expect(parseRetryAfterSeconds('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfterSeconds('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('gives undefined for absent or unreadable values', () => {
    expect(parseRetryAfterSeconds(null)).toBeUndefined();
    expect(parseRetryAfterSeconds('soon')).toBeUndefined();
    expect(parseRetryAfterSeconds('-3')).toBeUndefined();
  });
});

describe('sleep', () => {
  it('rejects with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
  });
});
