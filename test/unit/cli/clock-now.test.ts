import { afterEach, describe, expect, it, vi } from 'vitest';
import { clockNow } from '../../../src/cli/io.js';

describe('clockNow (the now of the query commands)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the clock without KFM_NOW, or with it empty', () => {
    vi.useFakeTimers({ now: Date.UTC(2027, 5, 1, 8, 30) });
    expect(clockNow({})).toBe(Date.UTC(2027, 5, 1, 8, 30));
    expect(clockNow({ KFM_NOW: '' })).toBe(Date.UTC(2027, 5, 1, 8, 30));
  });

  it('is KFM_NOW when set, read with its offset', () => {
    expect(clockNow({ KFM_NOW: '2026-01-01T12:00:00Z' })).toBe(Date.UTC(2026, 0, 1, 12));
    expect(clockNow({ KFM_NOW: '2026-01-01T14:00:00.250+02:00' })).toBe(Date.UTC(2026, 0, 1, 12, 0, 0, 250));
    expect(clockNow({ KFM_NOW: '2026-01-01T12:00Z' })).toBe(Date.UTC(2026, 0, 1, 12));
  });

  it.each([
    'yesterday',
    // Without a time or an offset, Date.parse would read it as midnight UTC or as local time.
    '2026-01-01',
    '2026-01-01T12:00:00',
    '2026-13-01T12:00:00Z',
  ])('refuses KFM_NOW=%s with USAGE (exit 2) naming the variable', (value) => {
    expect(() => clockNow({ KFM_NOW: value })).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        exitCode: 2,
        message: expect.stringContaining(`KFM_NOW=${value}: expected an ISO-8601 instant`),
      }),
    );
  });
});
