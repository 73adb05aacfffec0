import { Command } from 'commander';
import { MODELYARD_VERSION } from '../version.js';
import { registerDbCommand } from './db-command.js';
import { registerServerCommand } from './server-command.js';

export function buildProgram(): Command {
  const program = new Command('modelyard')
    .description('Modelyard: MLflow-compatible tracking and model registry, pipelines, serving')
    .version(MODELYARD_VERSION);
  registerServerCommand(program);
  registerDbCommand(program);
  return program;
}
