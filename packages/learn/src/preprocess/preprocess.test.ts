import { describe, expect, it } from 'vitest';
import type { FeatureSet } from './feature-set.js';
import { OneHotEncoder } from './one-hot-encoder.js';
import { SimpleImputer } from './simple-imputer.js';
import { StandardScaler } from './standard-scaler.js';

const set: FeatureSet = {
  rows: 4,
  numeric: [
    { name: 'a', values: Float64Array.of(1, Number.NaN, 3, 10) },
    { name: 'b', values: Float64Array.of(2, 2, Number.NaN, 4) },
  ],
  categorical: [{ name: 'c', values: ['red', null, 'blue', 'red'] }],
};

describe('SimpleImputer', () => {
  it('fills NaN with the mean of the present values', () => {
    const imputer = new SimpleImputer({ strategy: 'mean' });
    imputer.fit(set);
    const out = imputer.transform(set);
    expect(Array.from(out.numeric[0].values)).toEqual([1, Math.fround(14 / 3), 3, 10]);
    expect(Array.from(out.numeric[1].values)).toEqual([2, 2, Math.fround(8 / 3), 4]);
  });

  it('fills with the median, only in the chosen columns', () => {
    const imputer = new SimpleImputer({ strategy: 'median', columns: ['a'] });
    imputer.fit(set);
    const out = imputer.transform(set);
    expect(Array.from(out.numeric[0].values)).toEqual([1, 3, 3, 10]);
    expect(Number.isNaN(out.numeric[1].values[2])).toBe(true);
    expect(() => new SimpleImputer({ columns: ['zz'] }).fit(set)).toThrow(/column "zz"/);
  });

  it('treats the missingValue sentinel like NaN, in fitting and filling', () => {
    const zeros: FeatureSet = {
      rows: 5,
      numeric: [
        { name: 'a', values: Float64Array.of(0, 4, Number.NaN, 8, 0) },
        { name: 'b', values: Float64Array.of(0, 1, 2, 3, 4) },
      ],
      categorical: [],
    };
    const imputer = new SimpleImputer({ strategy: 'mean', columns: ['a'], missingValue: 0 });
    imputer.fit(zeros);
    expect(imputer.fillValues!.get('a')).toBe(6);
    const out = imputer.transform(zeros);
    expect(Array.from(out.numeric[0].values)).toEqual([6, 4, 6, 8, 6]);
    expect(Array.from(out.numeric[1].values)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('StandardScaler', () => {
  it('gives zero mean and unit population variance', () => {
    const data: FeatureSet = { rows: 4, numeric: [{ name: 'x', values: Float64Array.of(1, 2, 3, 4) }], categorical: [] };
    const scaler = new StandardScaler();
    scaler.fit(data);
    const out = Array.from(scaler.transform(data).numeric[0].values);
    // mean 2.5, population std sqrt(1.25)
    const expected = [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25));
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(scaler.params!.get('x')).toEqual({ offset: 2.5, scale: Math.fround(1 / Math.sqrt(1.25)) });
  });

  it('leaves a constant column centred but unscaled', () => {
    const data: FeatureSet = { rows: 3, numeric: [{ name: 'k', values: Float64Array.of(5, 5, 5) }], categorical: [] };
    const scaler = new StandardScaler();
    scaler.fit(data);
    expect(Array.from(scaler.transform(data).numeric[0].values)).toEqual([0, 0, 0]);
  });
});

describe('OneHotEncoder', () => {
  it('appends one 0/1 feature per sorted category; missing and unseen encode as zeros', () => {
    const encoder = new OneHotEncoder();
    encoder.fit(set);
    expect(encoder.categories!.get('c')).toEqual(['blue', 'red']);
    const out = encoder.transform({ ...set, categorical: [{ name: 'c', values: ['red', null, 'blue', 'green'] }] });
    expect(out.categorical).toEqual([]);
    expect(out.numeric.map((f) => f.name)).toEqual(['a', 'b', 'c=blue', 'c=red']);
    expect(Array.from(out.numeric[2].values)).toEqual([0, 0, 1, 0]);
    expect(Array.from(out.numeric[3].values)).toEqual([1, 0, 0, 0]);
  });
});
