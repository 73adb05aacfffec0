import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runTraining } from './run-training.js';
import type { TrainingOptions, TrainingResult } from './run-training.js';
import type { TrainOptions } from './train.js';

const USAGE = `usage: npm run train -w examples/diabetes-regression -- [options]

  --data <csv>          raw diabetes CSV (default: data/sklearn_diabetes_raw.csv; env TRAINING_DATA)
  --holdout-out <csv>   write the test split here, raw features + Y (env HOLDOUT_CSV)
  --alpha <x>           ridge penalty (default 1)
  --seed <n>            seed of the alpha search's validation split (default 42)
  --split-seed <n>      train/holdout split seed, kept when --seed changes (default 42)
  --test-size <f>       holdout fraction (default 0.2)
  --model-name <name>   registered model (default diabetes-regressor; env REGISTERED_MODEL_NAME)
  --experiment <name>   experiment when no MLFLOW_RUN_ID/MLFLOW_EXPERIMENT_* is set
  --json                print the result as one JSON line

Server: MLFLOW_TRACKING_URI (default http://127.0.0.1:5000). With MLFLOW_RUN_ID set the run is
logged into and left open for the pipeline runner.`;

function number(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${raw}'`);
  return n;
}

export function parseCli(argv: readonly string[], env: Record<string, string | undefined>): { options: TrainingOptions; json: boolean } | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      data: { type: 'string' },
      'holdout-out': { type: 'string' },
      alpha: { type: 'string' },
      seed: { type: 'string' },
      'split-seed': { type: 'string' },
      'test-size': { type: 'string' },
      'model-name': { type: 'string' },
      experiment: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const train: Partial<TrainOptions> = {};
  const alpha = number('alpha', values.alpha);
  if (alpha !== undefined) train.alpha = alpha;
  const seed = number('seed', values.seed);
  if (seed !== undefined) train.seed = seed;
  const testSize = number('test-size', values['test-size']);
  const splitSeed = number('split-seed', values['split-seed']);
  const dataPath = values.data ?? env.TRAINING_DATA;
  const holdoutPath = values['holdout-out'] ?? env.HOLDOUT_CSV;
  const registeredModelName = values['model-name'] ?? env.REGISTERED_MODEL_NAME;
  return {
    json: values.json === true,
    options: {
      env,
      train,
      ...(dataPath ? { dataPath } : {}),
      ...(holdoutPath ? { holdoutPath } : {}),
      ...(testSize !== undefined ? { testSize } : {}),
      ...(splitSeed !== undefined ? { splitSeed } : {}),
      ...(registeredModelName ? { registeredModelName } : {}),
      ...(values.experiment ? { experimentName: values.experiment } : {}),
    },
  };
}

export function formatResult(r: TrainingResult): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
  return [
    `run id      ${r.runId} (experiment ${r.experimentId}${r.resumedRun ? ', from MLFLOW_RUN_ID, left open' : ''})`,
    `data        ${r.rows.train} train / ${r.rows.test} test rows; empty cells: ${JSON.stringify(r.missingCells)}`,
    `trained in  ${r.trainMs.toFixed(0)} ms`,
    `metrics     ${metrics}`,
    `model       ${r.modelUri} → ${r.registeredModel.name} version ${r.registeredModel.version}`,
    ...(r.holdoutPath ? [`holdout     ${r.holdoutPath}`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const result = await runTraining(parsed.options);
  console.log(formatResult(result));
  if (parsed.json) console.log(JSON.stringify(result));
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  main().catch((e: unknown) => {
    console.error(`train: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
