import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataFrame,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  LogisticRegression,
  OneHotEncoder,
  Pipeline,
  RandomForestClassifier,
  RandomForestRegressor,
  RidgeRegression,
  SimpleImputer,
  StandardScaler,
  readCsv,
  trainTestSplit,
  type Classifier,
  type Regressor,
} from '../src/index.js';
import { sharedData } from './helpers/data.js';
import { modelHeader, nodeOpTypes } from './helpers/proto-reader.js';
import { runOnnx } from './helpers/run-onnx.js';

const TOLERANCE = 1e-5;

let pima: DataFrame;
let diabetes: DataFrame;

beforeAll(async () => {
  pima = await readCsv(sharedData('pima_diabetes.csv'));
  diabetes = await readCsv(sharedData('sklearn_diabetes_raw.csv'));
});

/** Diabetes rows plus rows with a missing and an unseen SEX and missing numbers. */
function diabetesWithOddRows(): DataFrame {
  const records = diabetes.head(3).toRecords();
  records[0].SEX = null;
  records[1].SEX = 'Other';
  records[2].BMI = null;
  records[2].S3 = null;
  return DataFrame.fromRecords([...diabetes.toRecords(), ...records]);
}

async function expectClassifierParity(pipeline: Pipeline, frame: DataFrame) {
  const { outputs, session, bytes } = await runOnnx(pipeline, frame);
  expect(session.outputNames).toEqual(['label', 'probabilities']);
  const k = pipeline.classes.length;
  const label = outputs.label;
  const probabilities = outputs.probabilities;
  expect(label.type).toBe('int64');
  expect(label.dims).toEqual([frame.rowCount]);
  expect(probabilities.type).toBe('float32');
  expect(probabilities.dims).toEqual([frame.rowCount, k]);
  const expectedLabels = Array.from(pipeline.predict(frame));
  expect(Array.from(label.data as BigInt64Array, Number)).toEqual(expectedLabels);
  const expectedProba = pipeline.predictProba(frame);
  const got = probabilities.data as Float32Array;
  let worst = 0;
  expectedProba.forEach((row, i) => row.forEach((p, c) => (worst = Math.max(worst, Math.abs(got[i * k + c] - p)))));
  expect(worst).toBeLessThanOrEqual(TOLERANCE);
  return { bytes, worst };
}

async function expectRegressorParity(pipeline: Pipeline, frame: DataFrame) {
  const { outputs, session, bytes } = await runOnnx(pipeline, frame);
  expect(session.outputNames).toEqual(['variable']);
  const variable = outputs.variable;
  expect(variable.type).toBe('float32');
  expect(variable.dims).toEqual([frame.rowCount, 1]);
  const expected = pipeline.predict(frame);
  const got = variable.data as Float32Array;
  // Outputs are float32: compare relative to the value's size (one float32 ulp near 150 is 1.5e-5).
  let worst = 0;
  expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i] - v) / Math.max(1, Math.abs(v)))));
  expect(worst).toBeLessThanOrEqual(TOLERANCE);
  return { bytes, worst };
}

const classifiers: [string, () => Classifier, string][] = [
  ['logistic regression', () => new LogisticRegression(), 'ai.onnx.ml.LinearClassifier'],
  ['random forest (100 trees)', () => new RandomForestClassifier({ nTrees: 100, seed: 42 }), 'ai.onnx.ml.TreeEnsembleClassifier'],
  ['gradient-boosted trees', () => new GradientBoostingClassifier({ nEstimators: 100, seed: 42 }), 'ai.onnx.ml.TreeEnsembleClassifier'],
];

describe('ONNX export of Pima classifiers matches in-process predictions', () => {
  for (const [name, make, op] of classifiers) {
    it(name, async () => {
      const { train, test } = trainTestSplit(pima, { testSize: 0.25, seed: 7, stratify: 'Outcome' });
      const pipeline = new Pipeline([new SimpleImputer(), new StandardScaler()], make()).fit(train, 'Outcome');
      await expectClassifierParity(pipeline, test);
      const { bytes } = await expectClassifierParity(pipeline, train);
      const ops = nodeOpTypes(bytes);
      expect(ops).toContain(op);
      expect(ops).toContain('ai.onnx.ml.Scaler');
      expect(ops).not.toContain('ai.onnx.ml.ZipMap');
      const header = modelHeader(bytes);
      expect(header.irVersion).toBe(8);
      expect(header.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 });
      expect(JSON.parse(header.metadata['modelyard.numeric_columns'])).toEqual(pima.columnNames.filter((c) => c !== 'Outcome'));
      expect(JSON.parse(header.metadata['modelyard.categorical_columns'])).toEqual([]);
      expect(header.metadata['modelyard.task']).toBe('classification');
      expect(JSON.parse(header.metadata['modelyard.classes'])).toEqual([0, 1]);
    });
  }
});

const regressors: [string, () => Regressor, string][] = [
  ['ridge regression', () => new RidgeRegression({ alpha: 1 }), 'ai.onnx.ml.LinearRegressor'],
  ['random forest', () => new RandomForestRegressor({ nTrees: 50, seed: 3 }), 'ai.onnx.ml.TreeEnsembleRegressor'],
  ['gradient-boosted trees', () => new GradientBoostingRegressor({ nEstimators: 80, seed: 3 }), 'ai.onnx.ml.TreeEnsembleRegressor'],
];

describe('ONNX export of diabetes regressors (imputation + one-hot SEX + scaling) matches in process', () => {
  for (const [name, make, op] of regressors) {
    it(name, async () => {
      const steps = [new SimpleImputer({ strategy: 'mean' }), new OneHotEncoder({ columns: ['SEX'] }), new StandardScaler()];
      const pipeline = new Pipeline(steps, make()).fit(diabetes, 'Y');
      const { bytes } = await expectRegressorParity(pipeline, diabetesWithOddRows());
      const ops = nodeOpTypes(bytes);
      for (const expected of ['ai.onnx.ml.Imputer', 'ai.onnx.ml.OneHotEncoder', 'ai.onnx.ml.Scaler', op]) expect(ops).toContain(expected);
      const header = modelHeader(bytes);
      expect(JSON.parse(header.metadata['modelyard.categorical_columns'])).toEqual(['SEX']);
      expect(JSON.parse(header.metadata['modelyard.numeric_columns'])).toHaveLength(9);
      expect(header.metadata['modelyard.task']).toBe('regression');
      expect(header.metadata['modelyard.classes']).toBeUndefined();
    });
  }

  it('takes `input` float [N, 9] and `SEX` string [N, 1], as the schema says', async () => {
    const pipeline = new Pipeline([new SimpleImputer(), new OneHotEncoder()], new RidgeRegression()).fit(diabetes, 'Y');
    const { session } = await runOnnx(pipeline, diabetes.head(2));
    expect(session.inputNames).toEqual(['input', 'SEX']);
    expect(pipeline.inputSchema()).toEqual(
      diabetes.columnNames.filter((c) => c !== 'Y').map((name) => ({ name, type: name === 'SEX' ? 'string' : 'double' })),
    );
    expect(pipeline.outputSchema()).toEqual([{ name: 'variable', type: 'float32', shape: [-1, 1] }]);
  });
});

describe('ONNX export of three-class classifiers matches in process', () => {
  for (const [name, make] of classifiers) {
    it(name, async () => {
      const y = diabetes.numbers('Y');
      const sorted = Float64Array.from(y).sort();
      const cuts = [sorted[Math.floor(y.length / 3)], sorted[Math.floor((2 * y.length) / 3)]];
      const tertile = Array.from(y, (v) => (v < cuts[0] ? 0 : v < cuts[1] ? 1 : 2));
      const pipeline = new Pipeline([new SimpleImputer({ strategy: 'median' }), new StandardScaler(), new OneHotEncoder()], make()).fit(
        diabetes.drop(['Y']),
        tertile,
      );
      expect(pipeline.classes).toEqual([0, 1, 2]);
      expect(pipeline.outputSchema()[1]).toEqual({ name: 'probabilities', type: 'float32', shape: [-1, 3] });
      await expectClassifierParity(pipeline, diabetesWithOddRows());
    });
  }
});
