import { describe, expect, it } from 'vitest';
import { newRowId } from './row-ids.js';

describe('newRowId', () => {
  it('is 32 hex digits, like MLflow ids, and version 7', () => {
    const id = newRowId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id[12]).toBe('7');
  });

  it('counts up: ids made one after the other sort in the order they were made', () => {
    const ids = Array.from({ length: 10_000 }, () => newRowId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('starts with its creation time in milliseconds', () => {
    const before = Date.now();
    const id = newRowId();
    const ms = parseInt(id.slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });
});
