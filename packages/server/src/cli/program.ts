import { Command } from 'commander';
import { MODELYARD_VERSION } from '../version.js';
import { registerCiCommand } from './ci-command.js';
import { registerDbCommand } from './db-command.js';
import { registerDeployCommands } from './deploy-command.js';
import { registerJobsCommand } from './jobs-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerProjectsCommand } from './projects-command.js';
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
  registerDeployCommands(program);
  registerJobsCommand(program);
  registerServeCommand(program);
  registerScoreCommand(program);
  registerModelsCommand(program);
  registerTracesCommand(program);
  registerWorkerCommand(program);
  registerProjectsCommand(program);
  registerCiCommand(program);
  return program;
}
