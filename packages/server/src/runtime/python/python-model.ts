import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAgainstSignature } from '@modelyard/sdk';
import type { Columns, MlModel, Prediction } from '@modelyard/sdk';
import type { PredictOptions, RuntimeBackend } from '../runtime-backend.js';
import { wireColumns } from './frame-codec.js';
import { preparePythonEnvironment } from './python-environment.js';
import type { EnvManager } from './python-environment.js';
import { PythonWorker } from './python-worker.js';
import { PythonWorkerPool } from './python-worker-pool.js';

export interface PythonRuntimeOptions {
  /** MLflow's `--env-manager`: `local` (default) runs `python` as it is; the others build the model's environment. */
  envManager?: EnvManager;
  /** The interpreter (`local`) or the base of built environments (`virtualenv`). Default `python3` on PATH. */
  python?: string;
  /** Worker processes per model. Default: the machine's cores. */
  workers?: number;
  /** A call a worker has not answered by then fails with 503 and the worker is replaced. Default 60 s (MLflow's scoring timeout). */
  requestTimeoutMs?: number;
  /** Longest a worker may take to load the model. Default 5 minutes. */
  startTimeoutMs?: number;
  /** Where built environments are cached. Default `<tmpdir>/modelyard-python-envs`. */
  envCacheDir?: string;
  /** Most rows of merged single requests per call. Default 1024. */
  maxBatchRows?: number;
  /**
   * Read by the model runtime (it alone knows who holds a model): a Python model nobody holds
   * (no endpoint serves it, no job scores with it) has its workers stopped after this many
   * milliseconds unused, and the next load starts them again. 0 keeps them until the cache
   * evicts the model. Default 10 minutes (DEFAULT_IDLE_STOP_MS).
   */
  idleStopMs?: number;
  /** Reruns of a batch (batch scoring, evaluate) whose worker died under it, before it fails naming its rows. Default 2. */
  batchRetries?: number;
  /** Told about worker deaths, restarts, environment builds and the workers' stderr. */
  onEvent?: ((event: { level: 'info' | 'warn'; message: string; err?: unknown }) => void) | undefined;
}

/** Rows below which a batch is not worth splitting across workers (a call's fixed cost is about a millisecond). */
const SPLIT_ROWS = 2048;

/**
 * Opens a `python_function` model in a pool of Python workers: the environment as the options
 * choose it, then every worker loads the model (with `mlflow.pyfunc` when the environment has
 * mlflow, else a built-in loader) before this resolves. Inputs are checked against the signature
 * exactly as the ONNX path checks them.
 */
export async function openPythonModel(localDir: string, mlmodel: MlModel, uri: string, opts: PythonRuntimeOptions = {}): Promise<RuntimeBackend> {
  if (!mlmodel.flavors.python_function) {
    throw new Error(`model '${uri}' has no python_function flavor (flavors: ${Object.keys(mlmodel.flavors).join(', ')}); the Python runtime loads MLflow python_function models`);
  }
  const onEvent = opts.onEvent;
  const env = await preparePythonEnvironment(localDir, mlmodel, {
    envManager: opts.envManager ?? 'local',
    python: opts.python,
    envCacheDir: opts.envCacheDir ?? join(tmpdir(), 'modelyard-python-envs'),
    onLog: (message) => onEvent?.({ level: 'info', message }),
  });
  const scriptPath = await workerScriptPath();
  const mlmodelJson = JSON.stringify({ flavors: mlmodel.flavors, ...(mlmodel.mlflowVersion ? { mlflow_version: mlmodel.mlflowVersion } : {}) });
  const workerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    // One process per core already: numpy's BLAS and OpenMP threads on top of that would
    // oversubscribe the cores. A user's own setting wins.
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1',
    OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1',
    MKL_NUM_THREADS: process.env.MKL_NUM_THREADS ?? '1',
  };
  const pool = await PythonWorkerPool.open({
    size: Math.max(1, Math.floor(opts.workers ?? availableParallelism())),
    requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
    maxBatchRows: opts.maxBatchRows ?? 1024,
    splitRows: SPLIT_ROWS,
    batchRetries: opts.batchRetries,
    start: () =>
      PythonWorker.start({
        python: env.python,
        scriptPath,
        modelDir: localDir,
        mlmodelJson,
        env: workerEnv,
        startTimeoutMs: opts.startTimeoutMs ?? 300_000,
        onStderr: onEvent ? (line) => onEvent({ level: 'warn', message: `python: ${line}` }) : undefined,
      }),
    onEvent: (message, err) => onEvent?.({ level: 'warn', message, ...(err !== undefined ? { err } : {}) }),
  });
  const info = pool.info;
  const specs = mlmodel.signature?.inputs;
  // Async, so a signature error is a rejection like any other failure (as on the ONNX path).
  const predict = async (columns: Columns, rows: number, options: PredictOptions | undefined, mergeable: boolean): Promise<Prediction> => {
    const checked = specs ? checkAgainstSignature(columns, rows, specs) : columns;
    return pool.predict({ rows, columns: wireColumns(checked, specs), params: options?.params, probabilities: options?.probabilities, mergeable });
  };
  return {
    kind: 'python',
    mlmodel,
    isClassifier: info.classes !== null,
    ...(info.classes ? { classLabels: info.classes } : {}),
    python: { loader: info.loader, pythonVersion: info.python, executable: info.executable, envManager: env.manager, ...(env.dir ? { envDir: env.dir } : {}), pids: () => pool.pids },
    predictColumns: (columns, rows, options) => predict(columns, rows, options, false),
    predictCoalesced: (columns, rows, options) => predict(columns, rows, options, true),
    close: () => pool.close(),
  };
}

/**
 * The worker script, a file of the package beside this module (the build copies it into dist/):
 * run where it is installed, never written to a shared folder another user could plant a file in.
 */
async function workerScriptPath(): Promise<string> {
  const path = fileURLToPath(new URL('./pyfunc_worker.py', import.meta.url));
  if (!existsSync(path)) throw new Error(`the Python worker script ${path} is missing from this installation; rebuild it (npm run build)`);
  return path;
}
