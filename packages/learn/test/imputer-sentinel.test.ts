import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataFrame,
  LogisticRegression,
  OneHotEncoder,
  Pipeline,
  RandomForestClassifier,
  RidgeRegression,
  SimpleImputer,
  StandardScaler,
  readCsv,
  toOnnx,
  type Classifier,
} from '../src/index.js';
import { sharedData } from './helpers/data.js';
import { nodeOpTypes, readFields, text } from './helpers/proto-reader.js';
import { runOnnx } from './helpers/run-onnx.js';

const TOLERANCE = 1e-5;
/** Pima columns where a zero reading is physically impossible and so means "not measured". */
const ZERO_MEANS_MISSING = ['Glucose', 'BloodPressure', 'SkinThickness', 'Insulin', 'BMI'];

let pima: DataFrame;
let diabetes: DataFrame;

beforeAll(async () => {
  pima = await readCsv(sharedData('pima_diabetes.csv'));
  diabetes = await readCsv(sharedData('sklearn_diabetes_raw.csv'));
});

/** Pima rows with some impossible zeros turned into empty cells, so both kinds of missing occur. */
function pimaWithNaN(): DataFrame {
  const records = pima.toRecords();
  records.forEach((r, i) => {
    if (i % 7 === 0) r.Glucose = null;
    if (i % 11 === 0) r.BMI = null;
    if (i % 13 === 0 && r.Insulin === 0) r.Insulin = null;
  });
  return DataFrame.fromRecords(records);
}

function zeroImputer(): SimpleImputer {
  return new SimpleImputer({ strategy: 'median', columns: ZERO_MEANS_MISSING, missingValue: 0 });
}

async function worstProbabilityGap(pipeline: Pipeline, frame: DataFrame): Promise<{ worst: number; onnx: Float32Array; bytes: Uint8Array }> {
  const { outputs, bytes } = await runOnnx(pipeline, frame);
  const onnx = outputs.probabilities.data as Float32Array;
  const k = pipeline.classes.length;
  let worst = 0;
  pipeline.predictProba(frame).forEach((row, i) => row.forEach((p, c) => (worst = Math.max(worst, Math.abs(onnx[i * k + c] - p)))));
  expect(Array.from(outputs.label.data as BigInt64Array, Number)).toEqual(Array.from(pipeline.predict(frame)));
  return { worst, onnx, bytes };
}

describe('SimpleImputer with missingValue exported to ONNX', () => {
  const classifiers: [string, () => Classifier][] = [
    ['logistic regression', () => new LogisticRegression()],
    ['random forest', () => new RandomForestClassifier({ nTrees: 40, seed: 5 })],
  ];
  for (const [name, make] of classifiers) {
    it(`matches in process on Pima rows with sentinel zeros and NaN (${name})`, async () => {
      const frame = pimaWithNaN();
      const pipeline = new Pipeline([zeroImputer(), new StandardScaler()], make()).fit(frame, 'Outcome');
      const { worst, bytes } = await worstProbabilityGap(pipeline, frame.drop(['Outcome']));
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      // One Imputer node for NaN, one for the sentinel.
      expect(nodeOpTypes(bytes).filter((op) => op === 'ai.onnx.ml.Imputer')).toHaveLength(2);
    });
  }

  it('makes the graph itself treat a zero like an empty cell, only in the chosen columns', async () => {
    const pipeline = new Pipeline([zeroImputer(), new StandardScaler()], new LogisticRegression()).fit(pima, 'Outcome');
    const fill = (pipeline.steps[0] as SimpleImputer).fillValues!;
    // Medians of the non-zero readings, not of the raw columns (zeros would pull them down).
    expect(fill.get('Insulin')).toBe(125);
    expect(fill.get('SkinThickness')).toBe(29);
    expect(fill.has('Pregnancies')).toBe(false);

    const base = pima.drop(['Outcome']).head(1).toRecords()[0];
    const rows = DataFrame.fromRecords([
      { ...base, Glucose: 0, Insulin: 0 },
      { ...base, Glucose: null, Insulin: null },
      { ...base, Glucose: fill.get('Glucose')!, Insulin: fill.get('Insulin')! },
      { ...base, Pregnancies: 0 },
      { ...base, Pregnancies: 5 },
    ]);
    const { worst, onnx } = await worstProbabilityGap(pipeline, rows);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    const p = (row: number) => onnx[row * 2 + 1];
    expect(p(0)).toBe(p(2));
    expect(p(1)).toBe(p(2));
    // Pregnancies is not imputed: its zero is a real zero and changes the score.
    expect(Math.abs(p(3) - p(4))).toBeGreaterThan(1e-3);
  });

  it('matches in process for a regressor with categorical features and a sentinel in every column', async () => {
    const records = diabetes.toRecords();
    records.forEach((r, i) => {
      if (i % 9 === 0) r.BP = 0;
      if (i % 10 === 0) r.S5 = 0;
    });
    const frame = DataFrame.fromRecords(records);
    const pipeline = new Pipeline([new SimpleImputer({ strategy: 'mean', missingValue: 0 }), new OneHotEncoder(), new StandardScaler()], new RidgeRegression()).fit(
      frame,
      'Y',
    );
    const { outputs } = await runOnnx(pipeline, frame);
    const got = outputs.variable.data as Float32Array;
    const expected = pipeline.predict(frame);
    let worst = 0;
    expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i] - v) / Math.max(1, Math.abs(v)))));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    // The fill is the mean of the readings that are neither empty nor the sentinel.
    const bp = Array.from(frame.numbers('BP')).filter((v) => !Number.isNaN(v) && v !== 0);
    const fill = (pipeline.steps[0] as SimpleImputer).fillValues!.get('BP')!;
    expect(fill).toBeCloseTo(bp.reduce((a, b) => a + b, 0) / bp.length, 4);
  });

  it('rejects a non-finite sentinel', () => {
    expect(() => new SimpleImputer({ missingValue: Number.POSITIVE_INFINITY })).toThrow(/missingValue must be a finite number/);
  });
});

describe('exported graphs declare intermediate types (value_info) for shape inference', () => {
  it('declares the outputs of Imputer, OneHotEncoder, Flatten, Scaler and the regressor', () => {
    const pipeline = new Pipeline(
      [new SimpleImputer({ strategy: 'mean' }), new OneHotEncoder({ columns: ['SEX'] }), new StandardScaler()],
      new RidgeRegression(),
    ).fit(diabetes, 'Y');
    const bytes = toOnnx(pipeline, { name: 'test' });
    const graph = readFields(bytes).find((f) => f.field === 7)!.value as Uint8Array;
    const fields = readFields(graph);
    const declared = fields.filter((f) => f.field === 13).map((f) => text(readFields(f.value as Uint8Array).find((x) => x.field === 1)!.value));
    const producedBy = new Map<string, string>();
    for (const { value } of fields.filter((f) => f.field === 1)) {
      const node = readFields(value as Uint8Array);
      const op = text(node.find((x) => x.field === 4)!.value);
      for (const out of node.filter((x) => x.field === 2)) producedBy.set(text(out.value), op);
    }
    const declaredOps = declared.map((name) => producedBy.get(name)).sort();
    expect(declaredOps).toEqual(['Flatten', 'Imputer', 'LinearRegressor', 'OneHotEncoder', 'Scaler']);
  });
});
