import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { InvalidParameterError } from '../errors.js';
import { FLAVOR_CHOICES } from '../runtime/model-flavor.js';
import type { FlavorChoice } from '../runtime/model-flavor.js';
import { ENV_MANAGERS } from '../runtime/python/python-environment.js';
import type { EnvManager } from '../runtime/python/python-environment.js';
import type { PythonRuntimeOptions } from '../runtime/python/python-model.js';
import { isPositiveInt, numberFlag } from './number-flag.js';

/** The flags `modelyard serve` and `modelyard score` share for choosing how a model runs. */
export interface ModelRuntimeFlags {
  flavor: string;
  envManager: string;
  python?: string;
  workers?: string;
  timeout: string;
}

/** Adds --flavor, --env-manager, --python, --workers and --timeout, named as MLflow's `mlflow models serve` names them. */
export function addModelRuntimeFlags(command: Command): Command {
  return command
    .option('--flavor <flavor>', `which flavor runs the model: ${FLAVOR_CHOICES.join(', ')} (auto: onnx when the model has it, else python_function in Python)`, 'auto')
    .option('--env-manager <manager>', `Python environment of a python_function model: ${ENV_MANAGERS.join(', ')} (local: the interpreter as it is; the others build the model's environment)`, 'local')
    .option('--python <path>', 'Python interpreter (local) or the base interpreter of built environments (default: python3 on PATH)')
    .option('--workers <n>', 'Python worker processes per model (default: one per core)')
    .option('--timeout <seconds>', 'a Python worker that takes longer over one call is stopped and replaced; the call fails with 503', '60');
}

/**
 * The runtime options the flags ask for. Built environments are cached under
 * ~/.modelyard/python-envs (MODELYARD_PYTHON_ENV_DIR), shared by every serve and score run.
 */
export function modelRuntimeOptions(flags: ModelRuntimeFlags, logger?: Logger): { flavor: FlavorChoice; python: PythonRuntimeOptions } {
  if (!(FLAVOR_CHOICES as readonly string[]).includes(flags.flavor)) throw new InvalidParameterError(`--flavor must be one of ${FLAVOR_CHOICES.join(', ')}, got '${flags.flavor}'`);
  if (!(ENV_MANAGERS as readonly string[]).includes(flags.envManager)) throw new InvalidParameterError(`--env-manager must be one of ${ENV_MANAGERS.join(', ')}, got '${flags.envManager}'`);
  return {
    flavor: flags.flavor as FlavorChoice,
    python: {
      envManager: flags.envManager as EnvManager,
      ...(flags.python ? { python: flags.python } : {}),
      ...(flags.workers !== undefined ? { workers: numberFlag('--workers', flags.workers, isPositiveInt, 'a positive integer') } : {}),
      requestTimeoutMs: numberFlag('--timeout', flags.timeout, (n) => n > 0, 'a positive number of seconds') * 1000,
      envCacheDir: process.env.MODELYARD_PYTHON_ENV_DIR || join(homedir(), '.modelyard', 'python-envs'),
      ...(logger ? { onEvent: (e) => logger[e.level]({ ...(e.err !== undefined ? { err: e.err } : {}) }, e.message) } : {}),
    },
  };
}
