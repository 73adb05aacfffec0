import { Command } from 'commander';
import { MODELYARD_VERSION } from '../version.js';
import { registerDbCommand } from './db-command.js';
import { registerJobsCommand } from './jobs-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerRunCommand } from './run-command.js';
import { registerScoreCommand } from './score-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerServerCommand } from './server-command.js';
import { registerTracesCommand } from './traces-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerWorkerCommand } from './worker-command.js';

export function buildProgram(): Command {
  const program = new Command('modelyard')
    .description('Modelyard: MLflow-compatible tracking and model registry, pipelines, serving')
    .version(MODELYARD_VERSION)
    // Program options (--version) only before the subcommand, so `models history --version 3` reaches the subcommand.
    .enablePositionalOptions();
  registerServerCommand(program);
  registerDbCommand(program);
  registerValidateCommand(program);
  registerRunCommand(program);
  registerJobsCommand(program);
  registerServeCommand(program);
  registerScoreCommand(program);
  registerModelsCommand(program);
  registerTracesCommand(program);
  registerWorkerCommand(program);
  return program;
}
