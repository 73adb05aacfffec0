import type { Command } from 'commander';
import { Client, isObjectStoreUri } from '@modelyard/sdk';
import { DEFAULT_BATCH_EXPERIMENT } from '../batch/batch-run-log.js';
import type { OutputFormat } from '../batch/output-files.js';
import { InvalidParameterError } from '../errors.js';
import { ClientModelSource, localModelDir } from '../runtime/client-model-source.js';
import { addModelRuntimeFlags, modelRuntimeOptions } from './model-runtime-flags.js';
import type { ModelRuntimeFlags } from './model-runtime-flags.js';
import { isPositiveInt, numberFlag } from './number-flag.js';

interface ScoreFlags extends ModelRuntimeFlags {
  model: string;
  input: string;
  output: string;
  format?: string;
  experiment?: string;
  runName?: string;
  tracking: boolean;
  idColumn?: string[];
  rejects?: string;
  batchSize: string;
  maxRejectRatio: string;
  threads: string;
  duckdbThreads?: string;
  memoryLimit: string;
  segmentRows: string;
  quiet?: boolean;
}

/**
 * Whether the job is recorded as an MLflow run: yes when a tracking server is configured (the
 * model may live there anyway) or an experiment is named; `--no-tracking` turns it off.
 */
function wantsTracking(flags: ScoreFlags, env: NodeJS.ProcessEnv): boolean {
  if (!flags.tracking) return false;
  // A model in a folder or an object store needs no server: nothing says where a run would go.
  const needsServer = !localModelDir(flags.model) && !isObjectStoreUri(flags.model);
  return Boolean(flags.experiment ?? env.MLFLOW_TRACKING_URI ?? env.MODELYARD_TRACKING_URI ?? (needsServer ? 'remote model' : undefined));
}

export function registerScoreCommand(program: Command): void {
  const command = program
    .command('score')
    .description(
      'batch-score a CSV or Parquet file (or a folder of part files) with a model, in bounded memory; ' +
        'writes the input columns (or --id-column) plus prediction, class probabilities, model name, version and scoring time. ' +
        'Rows that fail validation go to a rejects file. The job is recorded as an MLflow run on MLFLOW_TRACKING_URI.',
    )
    .requiredOption('-m, --model <uri>', 'model URI: models:/<name>@<alias>, models:/<name>/<stage|version>, runs:/<run_id>/<path>, a model folder at s3://, wasbs:// or abfss://, or a local folder')
    .requiredOption('-i, --input <path>', 'CSV or Parquet file, or a folder of them: a local path or an s3://, wasbs:// or abfss:// URI')
    .requiredOption('-o, --output <path>', 'file to write (.parquet, .csv or .jsonl): a local path or an s3://, wasbs:// or abfss:// URI, uploaded once complete')
    .option('--format <format>', 'output format when the extension does not say: parquet, csv or jsonl')
    .option('--experiment <name>', `MLflow experiment of the scoring run (default: MLFLOW_EXPERIMENT_NAME or ${DEFAULT_BATCH_EXPERIMENT})`)
    .option('--run-name <name>', 'name of the scoring run')
    .option('--no-tracking', 'do not record an MLflow run')
    .option('--id-column <column...>', 'keep only these input columns in the output (repeat or comma-separate)')
    .option('--rejects <path>', 'where rejected rows go (default: <output>.rejects.<ext> beside the output)')
    .option('--batch-size <rows>', 'rows per ONNX Runtime call when scoring by segments (a CSV scored in one statement goes by DuckDB vectors of 2,048)', '16384')
    .option('--max-reject-ratio <ratio>', 'fail when more than this share of rows is rejected (0 to 1)', '0.01')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', '1')
    .option('--duckdb-threads <n>', 'DuckDB threads reading and writing (default: one per core)')
    .option('--memory-limit <size>', 'DuckDB memory limit; beyond it DuckDB spills to a folder beside the output', '512MB')
    .option('--segment-rows <rows>', 'rows per part written while later rows are scored (scoring by segments)', '262144')
    .option('-q, --quiet', 'print only the summary');
  addModelRuntimeFlags(command).action(async (flags: ScoreFlags) => {
    const threads = numberFlag('--threads', flags.threads, isPositiveInt, 'a positive integer');
    const format = flags.format as OutputFormat | undefined;
    if (format !== undefined && !['parquet', 'csv', 'jsonl'].includes(format)) throw new InvalidParameterError(`--format must be parquet, csv or jsonl, got '${format}'`);
    // DuckDB and ONNX Runtime load only when scoring runs (not for --help).
    const [{ scoreBatch }, { ModelRuntime }] = await Promise.all([import('../batch/score-batch.js'), import('../runtime/model-runtime.js')]);
    const client = new Client();
    const runtime = new ModelRuntime({ source: new ClientModelSource(client), intraOpNumThreads: threads, ...modelRuntimeOptions(flags) });
    const controller = new AbortController();
    const cancel = () => controller.abort(new Error('scoring cancelled'));
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    let lastReport = 0;
    try {
      const result = await scoreBatch({
        modelUri: flags.model,
        inputPath: flags.input,
        outputPath: flags.output,
        runtime,
        ...(format ? { outputFormat: format } : {}),
        ...(flags.idColumn ? { idColumns: flags.idColumn.flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean) } : {}),
        ...(flags.rejects ? { rejectsPath: flags.rejects } : {}),
        batchSize: numberFlag('--batch-size', flags.batchSize, isPositiveInt, 'a positive integer'),
        maxRejectRatio: numberFlag('--max-reject-ratio', flags.maxRejectRatio, (n) => n >= 0 && n <= 1, 'between 0 and 1'),
        ...(flags.duckdbThreads ? { threads: numberFlag('--duckdb-threads', flags.duckdbThreads, isPositiveInt, 'a positive integer') } : {}),
        memoryLimit: flags.memoryLimit,
        segmentRows: numberFlag('--segment-rows', flags.segmentRows, isPositiveInt, 'a positive integer'),
        ...(wantsTracking(flags, process.env)
          ? {
              tracking: {
                client,
                experimentName: flags.experiment ?? process.env.MLFLOW_EXPERIMENT_NAME ?? DEFAULT_BATCH_EXPERIMENT,
                ...(flags.runName ? { runName: flags.runName } : {}),
              },
            }
          : {}),
        signal: controller.signal,
        onProgress: ({ rows, rejectedRows }) => {
          if (flags.quiet || !process.stderr.isTTY || Date.now() - lastReport < 1000) return;
          lastReport = Date.now();
          process.stderr.write(`\rscored ${rows.toLocaleString('en')} rows (${rejectedRows.toLocaleString('en')} rejected)`);
        },
      });
      if (lastReport > 0) process.stderr.write('\n');
      const model = result.modelName !== undefined ? `${result.modelName}${result.modelVersion !== undefined ? ` v${result.modelVersion}` : ''}` : result.modelUri;
      const lines = [
        `Scored ${result.scoredRows} of ${result.rows} rows with ${model} in ${result.durationSeconds.toFixed(1)} s (${Math.round(result.rowsPerSecond)} rows/s) → ${result.outputPath}`,
        ...(result.rejectsPath ? [`Rejected ${result.rejectedRows} rows (${(result.rejectRatio * 100).toFixed(2)}%) → ${result.rejectsPath}`] : []),
        ...(result.runId ? [`MLflow run ${result.runId} (experiment ${result.experimentId})`] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
      await runtime.clear();
    }
  });
}
