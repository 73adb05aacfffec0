import { describe, expect, it } from 'vitest';
import { DataFrame, LogisticRegression, OneHotEncoder, Pipeline, RidgeRegression, StandardScaler, toOnnx } from '../src/index.js';

const frame = DataFrame.fromColumns({
  x: [1, 2, 3, 4, 5, 6],
  colour: ['red', 'blue', 'red', 'blue', 'red', 'blue'],
  y: [0, 1, 0, 1, 0, 1],
});

describe('Pipeline', () => {
  it('asks for a OneHotEncoder when string columns reach the estimator', () => {
    expect(() => new Pipeline([], new LogisticRegression()).fit(frame, 'y')).toThrow(/colour.*OneHotEncoder/);
  });

  it('maps predictions back to the target values and describes inputs and outputs', () => {
    const labelled = DataFrame.fromColumns({ x: [1, 2, 3, 4, 5, 6], colour: frame.strings('colour'), y: [3, 7, 3, 7, 3, 7] });
    const pipeline = new Pipeline([new OneHotEncoder(), new StandardScaler()], new LogisticRegression()).fit(labelled, 'y');
    expect(pipeline.classes).toEqual([3, 7]);
    expect(Array.from(pipeline.predict(labelled))).toEqual([3, 7, 3, 7, 3, 7]);
    expect(pipeline.inputSchema()).toEqual([
      { name: 'x', type: 'double' },
      { name: 'colour', type: 'string' },
    ]);
    expect(pipeline.outputSchema()).toEqual([
      { name: 'label', type: 'int64', shape: [-1] },
      { name: 'probabilities', type: 'float32', shape: [-1, 2] },
    ]);
  });

  it('rejects non-integer classes, missing targets and missing input columns', () => {
    const fractional = DataFrame.fromColumns({ x: [1, 2], y: [0.5, 1] });
    expect(() => new Pipeline([], new LogisticRegression()).fit(fractional, 'y')).toThrow(/integers/);
    const gap = DataFrame.fromColumns({ x: [1, 2], y: [1, null] });
    expect(() => new Pipeline([], new RidgeRegression()).fit(gap, 'y')).toThrow(/target row 2/);
    const pipeline = new Pipeline([new OneHotEncoder()], new RidgeRegression()).fit(frame, 'y');
    expect(() => pipeline.predict(frame.drop(['colour']))).toThrow(/no column "colour"/);
  });

  it('must be fitted before predicting or exporting', () => {
    const pipeline = new Pipeline([], new RidgeRegression());
    expect(() => pipeline.predict(frame)).toThrow(/not fitted/);
    expect(() => toOnnx(pipeline)).toThrow(/not fitted/);
  });
});
