import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toOnnx, toOnnxFeeds } from '@modelyard/learn';
import type { DataFrame, Pipeline } from '@modelyard/learn';
import { onnxFlavors, openModel, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import * as classification from '../../examples/diabetes-classification/src/index.js';
import * as regression from '../../examples/diabetes-regression/src/index.js';
import { fmt, percentile, report } from '../lib/stats.js';

/** One example: its cleansed train/test split, how to train it, and its holdout figure. */
interface Example {
  name: string;
  target: string;
  train: DataFrame;
  test: DataFrame;
  fit: () => Pipeline;
  quality: (p: Pipeline) => string;
}

async function loadExamples(): Promise<Example[]> {
  const pima = classification.cleansePima((await classification.loadPima(classification.DEFAULT_DATA_PATH)).frame);
  const pimaSplit = classification.splitPima(pima.frame, { seed: 42, testSize: 0.2 });
  const diabetes = regression.cleanseDiabetes((await regression.loadDiabetes(regression.DEFAULT_DATA_PATH)).frame);
  const diabetesSplit = regression.splitDiabetes(diabetes.frame, { seed: 42, testSize: 0.2 });
  return [
    {
      name: 'diabetes-classification (random forest, 100 trees)',
      target: classification.TARGET,
      ...pimaSplit,
      fit: () => classification.trainClassifier(pimaSplit.train, { model: 'random-forest', nTrees: 100, seed: 42 }),
      quality: (p) => `ROC AUC ${classification.evaluateClassifier(p, pimaSplit.test).roc_auc.toFixed(4)}`,
    },
    {
      name: 'diabetes-classification (gradient boosting, 100 rounds)',
      target: classification.TARGET,
      ...pimaSplit,
      fit: () => classification.trainClassifier(pimaSplit.train, { model: 'gradient-boosting', nTrees: 100, seed: 42 }),
      quality: (p) => `ROC AUC ${classification.evaluateClassifier(p, pimaSplit.test).roc_auc.toFixed(4)}`,
    },
    {
      name: 'diabetes-regression (impute + one-hot + scale + ridge)',
      target: regression.TARGET,
      ...diabetesSplit,
      fit: () => regression.trainRegressor(diabetesSplit.train),
      quality: (p) => `R² ${regression.evaluateRegressor(p, diabetesSplit.test).r2.toFixed(4)}`,
    },
  ];
}

/** Repeats `fn` for about `ms` milliseconds (at least `min` times); returns per-call times. */
async function repeatFor(ms: number, fn: () => unknown, min = 5): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + ms;
  while (times.length < min || performance.now() < end) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

/** `rows` rows cycling through the frame's, for a batch bigger than the holdout. */
function tile(frame: DataFrame, rows: number): DataFrame {
  return frame.take(Array.from({ length: rows }, (_, i) => i % frame.rowCount));
}

function rowsPerSecond(rows: number, sortedMs: number[]): string {
  return `${fmt((rows / percentile(sortedMs, 50)) * 1000)} rows/s`;
}

/** Writes the model as an MLflow model folder so the SDK's own loading path can be measured. */
function writeModelFolder(dir: string, pipeline: Pipeline, onnx: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), onnx);
  writeFileSync(
    join(dir, 'MLmodel'),
    writeMlmodel({
      artifactPath: 'model',
      flavors: onnxFlavors('1.17.0'),
      modelUuid: 'bench',
      utcTimeCreated: utcTimeCreated(),
      signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
    }),
  );
}

/**
 * Runs onnx.checker when Debian's python3-onnx is installed: the structural check, then the full
 * check (strict shape inference). onnx 1.12 (Debian 12) has no type inference for ai.onnx.ml
 * OneHotEncoder, so the full check cannot type what follows one; that is reported, not hidden.
 */
function onnxChecker(files: string[]): string {
  const script = [
    'import sys',
    'try:',
    '    import onnx, onnx.checker',
    'except ImportError:',
    '    print("skipped: python3-onnx not installed (apt-get install python3-onnx)"); sys.exit(0)',
    'for p in sys.argv[1:]:',
    '    name = p.split("/")[-2]',
    '    try:',
    '        m = onnx.load(p); onnx.checker.check_model(m)',
    '    except Exception as e:',
    '        print("FAIL", name, str(e).splitlines()[0] if str(e) else type(e).__name__); continue',
    '    ops = ",".join(f"{o.domain or \'ai.onnx\'}:{o.version}" for o in m.opset_import)',
    '    try:',
    '        onnx.checker.check_model(m, full_check=True); full = "full check OK"',
    '    except Exception as e:',
    '        full = "full check: " + (str(e).splitlines()[0] if str(e) else type(e).__name__)',
    '    print("OK", name, f"(onnx {onnx.__version__}, ir {m.ir_version}, {ops});", full)',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  if (r.error) return `  onnx.checker: skipped (${r.error.message})`;
  return (r.stdout + r.stderr)
    .trim()
    .split('\n')
    .map((l) => `  onnx.checker: ${l}`)
    .join('\n');
}

async function benchExample(ex: Example, dir: string): Promise<string> {
  console.log(`\n${ex.name}: ${ex.train.rowCount} train / ${ex.test.rowCount} test rows`);
  const trainTimes: number[] = [];
  let pipeline: Pipeline | undefined;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    pipeline = ex.fit();
    trainTimes.push(performance.now() - t0);
  }
  const p = pipeline!;
  const first = trainTimes[0]!;
  const sortedTrain = [...trainTimes].sort((a, b) => a - b);
  const t0 = performance.now();
  const onnx = toOnnx(p, { name: ex.name });
  const exportMs = performance.now() - t0;
  const modelDir = join(dir, ex.name.replace(/\W+/g, '-'));
  writeModelFolder(modelDir, p, onnx);

  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
  const opened = await openModel(modelDir);
  const features = (f: DataFrame) => f.drop([ex.target]);
  const inProcess = (f: DataFrame) => (p.task === 'classification' ? p.predictProba(f) : p.predict(f));
  const rawOnnx = async (f: DataFrame) => {
    const feeds = Object.fromEntries(Object.entries(toOnnxFeeds(p, f)).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, [...v.dims])]));
    return session.run(feeds);
  };
  const batches = [
    { label: `holdout batch (${ex.test.rowCount} rows)`, frame: features(ex.test) },
    { label: 'batch of 10,000 rows', frame: features(tile(ex.test, 10_000)) },
  ];
  const rows: Array<{ figure: string; value: string; target?: string }> = [
    { figure: 'train, first (cold) run', value: `${fmt(first, 0)} ms`, target: ex.name.includes('random forest') ? '< 1 s for 100 trees' : undefined },
    { figure: 'train, median of 5', value: `${fmt(percentile(sortedTrain, 50), 0)} ms` },
    { figure: 'ONNX export', value: `${fmt(exportMs, 1)} ms, ${fmt(onnx.length / 1024, 0)} KiB` },
    { figure: 'holdout quality', value: ex.quality(p) },
  ];
  for (const b of batches) {
    const records = b.frame.toRecords();
    rows.push({ figure: `${b.label}: in-process`, value: rowsPerSecond(b.frame.rowCount, await repeatFor(400, () => inProcess(b.frame))) });
    rows.push({ figure: `${b.label}: ONNX Runtime`, value: rowsPerSecond(b.frame.rowCount, await repeatFor(400, () => rawOnnx(b.frame))) });
    rows.push({ figure: `${b.label}: sdk openModel`, value: rowsPerSecond(b.frame.rowCount, await repeatFor(400, () => opened.predict(records))) });
  }
  const one = features(ex.test).head(1);
  const oneRecord = one.toRecords();
  const single = async (label: string, fn: () => unknown) => {
    const t = await repeatFor(400, fn, 50);
    rows.push({ figure: `single row: ${label}`, value: `p50 ${fmt(percentile(t, 50) * 1000, 0)} µs, p99 ${fmt(percentile(t, 99) * 1000, 0)} µs` });
  };
  await single('in-process', () => inProcess(one));
  await single('ONNX Runtime', () => rawOnnx(one));
  await single('sdk openModel', () => opened.predict(oneRecord));
  report(rows);
  await session.release();
  await opened.close();
  return join(modelDir, 'model.onnx');
}

/**
 * `npm run bench -- learn`: for both diabetes examples, training time, ONNX export, and prediction
 * throughput in process (`Pipeline.predict`) against the exported graph in onnxruntime-node, raw
 * and through the SDK's `openModel` (which adds the signature check and row → column copy).
 */
export async function benchLearn(): Promise<void> {
  console.log('\nlearn — the diabetes examples (figures only; one thread for ONNX Runtime, as the SDK opens models)');
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-learn-bench-'));
  try {
    const files: string[] = [];
    for (const ex of await loadExamples()) files.push(await benchExample(ex, dir));
    console.log(onnxChecker(files));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
