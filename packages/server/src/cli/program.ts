import { Command } from 'commander';
import { MODELYARD_VERSION } from '../version.js';
import { registerDbCommand } from './db-command.js';
import { registerJobsCommand } from './jobs-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServerCommand } from './server-command.js';
import { registerValidateCommand } from './validate-command.js';

export function buildProgram(): Command {
  const program = new Command('modelyard')
    .description('Modelyard: MLflow-compatible tracking and model registry, pipelines, serving')
    .version(MODELYARD_VERSION);
  registerServerCommand(program);
  registerDbCommand(program);
  registerValidateCommand(program);
  registerRunCommand(program);
  registerJobsCommand(program);
  return program;
}
