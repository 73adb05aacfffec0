import type { Command } from 'commander';
import { registerModelsCopyCommand } from './models/models-copy-command.js';
import { registerModelsReadCommands } from './models/models-read-commands.js';
import { registerModelsWriteCommands } from './models/models-write-commands.js';

/**
 * `modelyard models …`: the model registry of a running server (any MLflow-compatible one for the
 * MLflow endpoints), through @modelyard/sdk. Server: --registry-uri, else MLFLOW_REGISTRY_URI,
 * else the tracking URI (--tracking-uri / MLFLOW_TRACKING_URI).
 */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('model registry: list, show, versions, history, transition, alias, request/approve/reject, download-uri, copy');
  registerModelsReadCommands(models);
  registerModelsWriteCommands(models);
  registerModelsCopyCommand(models);
}
