// Prints how long training a 100-tree model on the full Pima data takes (768 rows, 8 features).
// Run: npx tsx packages/learn/bench/train-pima.ts   (figures only; nothing here is asserted)
import { GradientBoostingClassifier, Pipeline, RandomForestClassifier, accuracy, readCsv, rocAuc, toOnnx } from '../src/index.js';

const path = process.argv[2] ?? new URL('../../../examples/diabetes-classification/data/pima_diabetes.csv', import.meta.url).pathname;
const pima = await readCsv(path);
const runs = 5;

const models = {
  'random forest (100 trees)': (seed: number) => new RandomForestClassifier({ nTrees: 100, seed }),
  'gradient-boosted trees (100 rounds, depth 3)': (seed: number) => new GradientBoostingClassifier({ nEstimators: 100, seed }),
};

console.log(`Pima: ${pima.rowCount} rows, ${pima.columnNames.length - 1} features; ${runs} runs each (the first is cold)`);
for (const [name, make] of Object.entries(models)) {
  const times: number[] = [];
  let pipeline: Pipeline | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    pipeline = new Pipeline([], make(run)).fit(pima, 'Outcome');
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const y = pima.numbers('Outcome');
  const trainAuc = rocAuc(y, pipeline!.predictProba(pima).map((row) => row[1]));
  const started = performance.now();
  const bytes = toOnnx(pipeline!);
  const exportMs = performance.now() - started;
  console.log(
    `${name}: first ${times[0].toFixed(0)} ms, median ${sorted[runs >> 1].toFixed(0)} ms, best ${sorted[0].toFixed(0)} ms; ` +
      `train accuracy ${accuracy(y, pipeline!.predict(pima)).toFixed(3)}, train AUC ${trainAuc.toFixed(3)}; ` +
      `ONNX ${(bytes.length / 1024).toFixed(0)} KiB in ${exportMs.toFixed(0)} ms`,
  );
}
