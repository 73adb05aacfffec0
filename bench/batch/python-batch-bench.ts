import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreBatch } from '../../packages/server/src/batch/score-batch.js';
import { LocalFolderModelSource } from '../../packages/server/src/runtime/client-model-source.js';
import { ModelRuntime } from '../../packages/server/src/runtime/model-runtime.js';
import { DEBIAN_PYTHON, hasSklearn, trainSklearnModels } from '../../packages/server/test/serving/python-model-fixtures.js';
import { stealText, withSteal } from '../lib/host-cpu.js';
import { fmt, report } from '../lib/stats.js';
import { FEATURES, generate } from './batch-bench.js';

const TREES = 100;

/**
 * What a data scientist's script does in one process: pandas reads the CSV, scikit-learn scores
 * it (one predict_proba pass, labels from it, as the forest's own predict does), pandas writes
 * the rows with the prediction and class probabilities. Prints its wall time in seconds.
 */
const ONE_PROCESS = String.raw`
import pickle, sys, time
import numpy as np, pandas as pd
t = time.perf_counter()
model = pickle.load(open(sys.argv[1], "rb"))
df = pd.read_csv(sys.argv[2])
X = df[sys.argv[4].split(",")]
proba = model.predict_proba(X)
df["prediction"] = model.classes_.take(np.argmax(proba, axis=1))
for k, c in enumerate(model.classes_):
    df["probability_" + str(c)] = proba[:, k].astype(np.float32)
df.to_csv(sys.argv[3], index=False)
print(time.perf_counter() - t)
`;

/**
 * `npm run bench -- batch` (Python part): 1M generated rows through `scoreBatch` with a 100-tree
 * scikit-learn forest saved as MLflow's sklearn flavor, scored by the pool of Python workers (one
 * per core), beside pandas + scikit-learn in one process writing the same columns.
 * BENCH_PYTHON_BATCH_ROWS changes the row count.
 */
export async function benchPythonBatch(): Promise<void> {
  if (!hasSklearn()) {
    console.log(`\nbatch scoring — python_function: skipped, ${DEBIAN_PYTHON} cannot import sklearn and pandas`);
    return;
  }
  const rows = Number(process.env.BENCH_PYTHON_BATCH_ROWS ?? 1_000_000);
  const workers = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-bench-python-batch-'));
  try {
    // Trained on float features, so the signature takes the generated rows' decimals.
    const modelDir = trainSklearnModels(dir, [{ name: 'forest', kind: 'forest', trees: TREES, seed: 7, float_features: true }]).forest!.dir;
    const input = await generate(dir, rows);
    const runtime = new ModelRuntime({ source: new LocalFolderModelSource(), python: { python: DEBIAN_PYTHON, workers } });
    const ours = await withSteal(async () => {
      const r = await scoreBatch({ modelUri: modelDir, inputPath: input.csv, outputPath: join(dir, 'modelyard.csv'), runtime });
      await runtime.clear();
      return r;
    });
    const theirs = await withSteal(async () => Number(execFileSync(DEBIAN_PYTHON, ['-c', ONE_PROCESS, join(modelDir, 'model.pkl'), input.csv, join(dir, 'pandas.csv'), FEATURES.join(',')]).toString().trim()));
    console.log(`\nbatch scoring — python_function: scikit-learn random forest (${TREES} trees), ${fmt(rows)} rows CSV → CSV, ${workers} Python workers`);
    report([
      { figure: 'modelyard score (pool of Python workers): rows/s', value: fmt(ours.result.rowsPerSecond), target: `≥ 1.5× one process (${fmt((1.5 * rows) / theirs.result)})` },
      { figure: '  wall time (host CPU steal meanwhile)', value: `${fmt(ours.result.durationSeconds, 1)} s (${stealText(ours.stealPercent)})` },
      { figure: 'pandas + scikit-learn in one process: rows/s', value: fmt(rows / theirs.result) },
      { figure: '  wall time (host CPU steal meanwhile)', value: `${fmt(theirs.result, 1)} s (${stealText(theirs.stealPercent)})` },
      { figure: 'speed-up', value: `${fmt(theirs.result / ours.result.durationSeconds, 2)}×`, target: '≥ 1.5×' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
