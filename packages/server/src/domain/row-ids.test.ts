import { describe, expect, it } from 'vitest';
import { newRowId } from './row-ids.js';

describe('newRowId', () => {
  it('is 32 hex digits, like MLflow ids, with a UUIDv7 version and variant', () => {
    const id = newRowId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id[12]).toBe('7');
    expect('89ab').toContain(id[16]);
  });

  it('starts with its creation time in milliseconds, so later ids sort after earlier ones', async () => {
    const before = Date.now();
    const first = newRowId();
    expect(parseInt(first.slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
    expect(parseInt(first.slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
    await new Promise((r) => setTimeout(r, 5));
    expect(newRowId() > first).toBe(true);
  });

  it('is unique, and made one after the other keeps its time prefixes in order', () => {
    const ids = Array.from({ length: 10_000 }, () => newRowId());
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 12));
    expect([...prefixes].sort()).toEqual(prefixes);
  });
});
