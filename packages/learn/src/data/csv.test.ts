import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/data.js';
import { readCsv, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('types columns, turns empty cells into missing values and honours quotes', () => {
    const frame = parseCsv('a,b,c\r\n1,x,\r\n2.5,"y, ""quoted""",3\r\n,,4\r\n');
    expect(frame.columnNames).toEqual(['a', 'b', 'c']);
    expect(frame.rowCount).toBe(3);
    expect(Array.from(frame.numbers('a'))).toEqual([1, 2.5, Number.NaN]);
    expect(frame.strings('b')).toEqual(['x', 'y, "quoted"', null]);
    expect(Array.from(frame.numbers('c'))).toEqual([Number.NaN, 3, 4]);
  });

  it('keeps a column of numbers as strings when told to, and rejects ragged rows', () => {
    const frame = parseCsv('id,v\n001,1\n002,2', { columnTypes: { id: 'string' } });
    expect(frame.strings('id')).toEqual(['001', '002']);
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/line 3 has 1 fields, the header has 2/);
  });

  it('reads the Pima file: 768 rows, 9 numeric columns', async () => {
    const frame = await readCsv(sharedData('pima_diabetes.csv'));
    expect(frame.rowCount).toBe(768);
    expect(frame.columnNames).toHaveLength(9);
    expect(frame.columnNames.every((n) => frame.column(n).type === 'number')).toBe(true);
    expect(frame.numbers('Glucose')[0]).toBe(148);
  });

  it('reads the raw diabetes file with its 97 empty cells as missing and SEX as strings', async () => {
    const frame = await readCsv(sharedData('sklearn_diabetes_raw.csv'));
    expect(frame.rowCount).toBe(442);
    expect(frame.column('SEX').type).toBe('string');
    let missing = 0;
    for (const name of frame.columnNames) {
      const column = frame.column(name);
      for (const v of column.values) if (v === null || (typeof v === 'number' && Number.isNaN(v))) missing++;
    }
    expect(missing).toBe(97);
  });
});
