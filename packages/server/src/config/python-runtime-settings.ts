import { InvalidParameterError } from '../errors.js';

/** MLflow's `--env-manager` values (the runtime's ENV_MANAGERS; config is a leaf and names them itself). */
const ENV_MANAGERS = ['local', 'virtualenv', 'uv', 'conda'] as const;
/** `--flavor` values (the runtime's FLAVOR_CHOICES). */
const FLAVORS = ['auto', 'onnx', 'python'] as const;

/**
 * How the server's model runtime runs models (serving endpoints, evaluate and batch_score tasks):
 * which flavor, and for python_function models the interpreter, environment and worker pool.
 */
export interface PythonRuntimeSettings {
  /** `auto` (default: ONNX when the model has it, else Python), `onnx` or `python`. */
  modelFlavor: (typeof FLAVORS)[number];
  /** The interpreter of python_function models (or the base of built environments). Unset: python3 on PATH. */
  pythonExecutable?: string;
  /** `local` (default) runs the interpreter as it is; `virtualenv`, `uv`, `conda` build each model's environment. */
  pythonEnvManager: (typeof ENV_MANAGERS)[number];
  /** Python worker processes per model; 0 (default) is one per core. */
  pythonWorkers: number;
  /** A worker call running longer is stopped (503) and the worker replaced. Default 60 000 (MLflow's scoring timeout). */
  pythonTimeoutMs: number;
  /**
   * A Python model no endpoint serves and no task uses has its workers stopped after this many
   * milliseconds; its next use starts them again. 0 keeps them. Default 600 000 (the runtime's
   * DEFAULT_IDLE_STOP_MS).
   */
  pythonIdleStopMs: number;
}

export const PYTHON_RUNTIME_KEYS: Array<keyof PythonRuntimeSettings> = ['modelFlavor', 'pythonExecutable', 'pythonEnvManager', 'pythonWorkers', 'pythonTimeoutMs', 'pythonIdleStopMs'];

/** The settings from merged config layers (strings from env and flags, numbers from YAML), validated. */
export function parsePythonRuntimeSettings(merged: Partial<Record<keyof PythonRuntimeSettings, unknown>>): PythonRuntimeSettings {
  const flavor = String(merged.modelFlavor ?? 'auto');
  if (!(FLAVORS as readonly string[]).includes(flavor)) throw new InvalidParameterError(`modelFlavor must be one of ${FLAVORS.join(', ')}, got '${flavor}'`);
  const manager = String(merged.pythonEnvManager ?? 'local');
  if (!(ENV_MANAGERS as readonly string[]).includes(manager)) throw new InvalidParameterError(`pythonEnvManager must be one of ${ENV_MANAGERS.join(', ')}, got '${manager}'`);
  const workers = Number(merged.pythonWorkers ?? 0);
  if (!Number.isInteger(workers) || workers < 0) throw new InvalidParameterError(`pythonWorkers must be a whole number of processes, or 0 for one per core, got '${String(merged.pythonWorkers)}'`);
  const timeout = Number(merged.pythonTimeoutMs ?? 60_000);
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 2_147_483_647) throw new InvalidParameterError(`pythonTimeoutMs must be a whole number of milliseconds above 0, got '${String(merged.pythonTimeoutMs)}'`);
  const idle = Number(merged.pythonIdleStopMs ?? 600_000);
  if (!Number.isInteger(idle) || idle < 0 || idle > 2_147_483_647) throw new InvalidParameterError(`pythonIdleStopMs must be a whole number of milliseconds, or 0 to keep idle models' workers, got '${String(merged.pythonIdleStopMs)}'`);
  return {
    modelFlavor: flavor as PythonRuntimeSettings['modelFlavor'],
    ...(merged.pythonExecutable ? { pythonExecutable: String(merged.pythonExecutable) } : {}),
    pythonEnvManager: manager as PythonRuntimeSettings['pythonEnvManager'],
    pythonWorkers: workers,
    pythonTimeoutMs: timeout,
    pythonIdleStopMs: idle,
  };
}
