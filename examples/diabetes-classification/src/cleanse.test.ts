import { describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, parseCsv } from '@modelyard/learn';
import { FEATURES, cleansePima, loadPima, pimaPreprocessing } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';

const HEADER = `${FEATURES.join(',')},Outcome`;

describe('cleansePima', () => {
  it('keeps the raw zeros and counts them only where a zero is impossible', () => {
    const frame = parseCsv(`${HEADER}\n0,0,70,0,0,30.5,0.2,25,1\n3,120,0,20,0,0,0.5,40,0\n`);
    const { frame: out, zerosMarkedMissing, rowsDropped } = cleansePima(frame);
    expect(rowsDropped).toBe(0);
    expect(Array.from(out.numbers('Pregnancies'))).toEqual([0, 3]);
    expect(Array.from(out.numbers('Glucose'))).toEqual([0, 120]);
    expect(Array.from(out.numbers('Insulin'))).toEqual([0, 0]);
    expect(Array.from(out.numbers('BMI'))).toEqual([30.5, 0]);
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

  it('on the Pima file counts the known impossible zeros and leaves the rows as the file has them', async () => {
    const { frame } = await loadPima(DEFAULT_DATA_PATH);
    expect(frame.rowCount).toBe(768);
    const { zerosMarkedMissing, frame: out } = cleansePima(frame);
    expect(zerosMarkedMissing).toEqual({ Glucose: 5, BloodPressure: 35, SkinThickness: 227, Insulin: 374, BMI: 11 });
    expect(out.toRecords()).toEqual(frame.select([...FEATURES, 'Outcome']).toRecords());
  });
});

describe('pimaPreprocessing', () => {
  it('fills impossible zeros and empty cells with medians of the real readings, and keeps real zeros', () => {
    const frame = parseCsv(
      `${HEADER}\n` + ['0,100,60,10,50,20,0.1,21,0', '2,0,80,0,0,30,0.3,30,1', '4,140,0,30,150,0,0.5,,1', '6,,100,40,250,40,0.7,50,0'].join('\n') + '\n',
    );
    const { frame: raw } = cleansePima(frame);
    const model = new Pipeline(pimaPreprocessing(), new LogisticRegression()).fit(raw, 'Outcome');
    const x = model.transform(raw.drop(['Outcome']));
    const column = (name: string) => Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols + FEATURES.indexOf(name as never)]);
    expect(column('Glucose')).toEqual([100, 120, 140, 120]);
    expect(column('SkinThickness')).toEqual([10, 30, 30, 40]);
    expect(column('Insulin')).toEqual([50, 150, 150, 250]);
    expect(column('Pregnancies')).toEqual([0, 2, 4, 6]);
    expect(column('Age')).toEqual([21, 30, 30, 50]);
  });
});
