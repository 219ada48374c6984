import { KfmError } from '../errors.js';

export function parseCount(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new KfmError('USAGE', `${flag} ${value}: expected a whole number`);
    }
    return Number(value);
  };
}
