import { describe, expect, it } from 'vitest';
import { parseCsv } from '@modelyard/learn';
import { FEATURES, cleansePima, loadPima } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';

const HEADER = `${FEATURES.join(',')},Outcome`;

describe('cleansePima', () => {
  it('marks zeros as missing only where a zero is impossible', () => {
    const frame = parseCsv(`${HEADER}\n0,0,70,0,0,30.5,0.2,25,1\n3,120,0,20,0,0,0.5,40,0\n`);
    const { frame: out, zerosMarkedMissing, rowsDropped } = cleansePima(frame);
    expect(rowsDropped).toBe(0);
    expect(Array.from(out.numbers('Pregnancies'))).toEqual([0, 3]);
    expect(Array.from(out.numbers('Glucose'))).toEqual([Number.NaN, 120]);
    expect(Array.from(out.numbers('BloodPressure'))).toEqual([70, Number.NaN]);
    expect(Array.from(out.numbers('SkinThickness'))).toEqual([Number.NaN, 20]);
    expect(Array.from(out.numbers('Insulin'))).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(out.numbers('BMI'))).toEqual([30.5, Number.NaN]);
    expect(Array.from(out.numbers('Age'))).toEqual([25, 40]);
    expect(zerosMarkedMissing).toEqual({ Glucose: 1, BloodPressure: 1, SkinThickness: 1, Insulin: 2, BMI: 1 });
  });

  it('drops rows whose Outcome is missing or not 0/1 and keeps the column order', () => {
    const frame = parseCsv(`Age,${HEADER.replace(',Age', '')}\n30,1,100,70,20,80,30,0.3,\n31,1,100,70,20,80,30,0.3,2\n32,1,100,70,20,80,30,0.3,0\n`);
    const { frame: out, rowsDropped } = cleansePima(frame);
    expect(rowsDropped).toBe(2);
    expect(out.rowCount).toBe(1);
    expect(out.columnNames).toEqual([...FEATURES, 'Outcome']);
    expect(out.numbers('Age')[0]).toBe(32);
  });

  it('names the missing columns and rejects text in numeric columns', () => {
    expect(() => cleansePima(parseCsv('Glucose,Outcome\n1,0\n'))).toThrow(/lacks column\(s\) Pregnancies, BloodPressure/);
    const text = parseCsv(`${HEADER}\n1,high,70,20,80,30,0.3,30,1\n`);
    expect(() => cleansePima(text)).toThrow('column Glucose must be numeric');
  });

  it('on the Pima file marks the known counts of impossible zeros', async () => {
    const { frame } = await loadPima(DEFAULT_DATA_PATH);
    expect(frame.rowCount).toBe(768);
    const { zerosMarkedMissing, frame: out } = cleansePima(frame);
    expect(zerosMarkedMissing).toEqual({ Glucose: 5, BloodPressure: 35, SkinThickness: 227, Insulin: 374, BMI: 11 });
    expect(out.numbers('Insulin').filter(Number.isNaN).length).toBe(374);
  });
});
