import { describe, expect, it } from 'vitest';
import { Pipeline, RidgeRegression, parseCsv } from '@modelyard/learn';
import { FEATURES, cleanseDiabetes, loadDiabetes, preprocessingSteps } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';

const HEADER = `${FEATURES.join(',')},Y`;

describe('cleanseDiabetes', () => {
  it('counts empty cells, trims SEX labels and drops rows without a target', () => {
    const frame = parseCsv(`${HEADER}\n0.1, Male ,0.2,,0.1,0.1,0.1,0.1,0.1,0.1,100\n0.2,,0.3,0.4,,0.1,0.1,0.1,0.1,0.1,\n0.3,Female,,0.5,0.1,0.1,0.1,0.1,0.1,0.1,200\n`, { columnTypes: { SEX: 'string' } });
    const { frame: out, missingCells, rowsDropped } = cleanseDiabetes(frame);
    expect(rowsDropped).toBe(1);
    expect(out.rowCount).toBe(2);
    expect(out.strings('SEX')).toEqual(['Male', 'Female']);
    expect(Array.from(out.numbers('Y'))).toEqual([100, 200]);
    expect(missingCells).toEqual({ BMI: 1, BP: 1 });
    expect(Number.isNaN(out.numbers('BP')[0]!)).toBe(true);
  });

  it('names the missing columns and rejects text in numeric columns', () => {
    expect(() => cleanseDiabetes(parseCsv('AGE,Y\n1,2\n'))).toThrow(/lacks column\(s\) SEX, BMI, BP/);
    const text = parseCsv(`${HEADER}\n0.1,Male,high,0.1,0.1,0.1,0.1,0.1,0.1,0.1,100\n`);
    expect(() => cleanseDiabetes(text)).toThrow('column BMI must be numeric');
  });

  it('on the raw file finds the 97 empty cells in the feature columns', async () => {
    const { frame } = await loadDiabetes(DEFAULT_DATA_PATH);
    const { frame: out, missingCells, rowsDropped } = cleanseDiabetes(frame);
    expect(out.rowCount).toBe(442);
    expect(rowsDropped).toBe(0);
    expect(missingCells).toEqual({ BMI: 1, BP: 5, S1: 15, S2: 25, S3: 23, S4: 19, S5: 9 });
    expect(Object.values(missingCells).reduce((a, b) => a + b, 0)).toBe(97);
    expect(new Set(out.strings('SEX'))).toEqual(new Set(['Male', 'Female']));
  });
});

describe('preprocessingSteps', () => {
  it('fill empty cells with the training means and one-hot encode SEX (unknown → all zeros)', () => {
    const train = parseCsv(`${HEADER}\n1,Male,2,0,0,0,0,0,0,0,1\n3,Female,,0,0,0,0,0,0,0,2\n,Male,4,0,0,0,0,0,0,0,3\n`);
    const pipeline = new Pipeline(preprocessingSteps(), new RidgeRegression({ alpha: 1 })).fit(train, 'Y');
    const x = pipeline.transform(parseCsv(`${HEADER}\n,Other,,0,0,0,0,0,0,0,0\n5,Female,6,0,0,0,0,0,0,0,0\n`, { columnTypes: { SEX: 'string' } }));
    // Numeric columns first (AGE, BMI, BP, S1..S6), then SEX=Female, SEX=Male.
    expect(x.cols).toBe(11);
    const row = (i: number) => Array.from(x.data.slice(i * x.cols, (i + 1) * x.cols));
    expect(row(0)).toEqual([2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row(1)).toEqual([5, 6, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  });
});
