import { InvalidParameterError } from '../errors.js';

/** A numeric flag's value; anything else is an error naming the flag, what it must be and what it got. */
export function numberFlag(flag: string, value: string, check: (n: number) => boolean, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidParameterError(`${flag} must be ${what}, got '${value}'`);
  return n;
}

export const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;
