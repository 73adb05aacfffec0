import type { Command } from 'commander';
import { InvalidParameterError } from '../../errors.js';
import { addModelsOptions, clientFor, withServer } from '../models/models-cli-context.js';
import type { ModelsFlags } from '../models/models-cli-context.js';

type ReleaseFlags = ModelsFlags & { alias: string; comment?: string };

/**
 * The registry steps of the release half of `modelyard ci init`'s workflows, against the server of
 * MLFLOW_TRACKING_URI: after the staging evaluation, ask for Production for each model's
 * candidate; before the production deploy, check that a reviewer approved it, then make it the
 * champion. A model without a candidate (its gate kept the champion) has nothing to release and
 * passes all three.
 */
export function registerCiReleaseCommands(ci: Command): void {
  addModelsOptions(
    ci
      .command('request-production')
      .description('open a transition request to Production for the @candidate version of each model (after the staging evaluation)')
      .argument('<models...>')
      .option('--alias <alias>', 'the alias of the version that passed the staging gate', 'candidate')
      .option('--comment <text>', 'why, e.g. the commit'),
  ).action(async (models: string[], flags: ReleaseFlags) => {
    const client = clientFor(flags);
    await withServer(client.registryUri, async () => {
      for (const name of models) {
        const version = (await client.registry.getRegisteredModel(name)).aliases[flags.alias];
        if (version === undefined) {
          process.stdout.write(`${name}: no @${flags.alias} version (the staging gate kept the champion): nothing to request\n`);
          continue;
        }
        if ((await client.registry.getModelVersion(name, version)).currentStage === 'Production') {
          process.stdout.write(`${name} version ${version} is already in Production\n`);
          continue;
        }
        await client.registryGovernance.createTransitionRequest(name, version, 'Production', flags.comment);
        process.stdout.write(`requested ${name} version ${version} → Production; a reviewer approves with: modelyard models approve ${name} ${version} Production\n`);
      }
    });
  });

  addModelsOptions(
    ci
      .command('check-production')
      .description('fail unless the @candidate version of each model is in Production (its transition request approved)')
      .argument('<models...>')
      .option('--alias <alias>', 'the alias of the version that passed the staging gate', 'candidate'),
  ).action(async (models: string[], flags: ReleaseFlags) => {
    const client = clientFor(flags);
    const waiting = await withServer(client.registryUri, async () => {
      const out: string[] = [];
      for (const name of models) {
        const version = (await client.registry.getRegisteredModel(name)).aliases[flags.alias];
        if (version === undefined) continue;
        const stage = (await client.registry.getModelVersion(name, version)).currentStage;
        if (stage === 'Production') process.stdout.write(`${name} version ${version} is in Production\n`);
        else out.push(`${name} version ${version} is in ${stage}, not Production: approve its request (modelyard models approve ${name} ${version} Production)`);
      }
      return out;
    });
    if (waiting.length > 0) throw new InvalidParameterError(`${waiting.join('; ')}; then re-run this job`);
  });

  addModelsOptions(
    ci
      .command('set-champion')
      .description('point the champion alias at the @candidate version of each model once it is in Production (after check-production, before the production deploy)')
      .argument('<models...>')
      .option('--alias <alias>', 'the alias of the version that passed the staging gate', 'candidate')
      .option('--champion <alias>', 'the alias the production endpoints and gates read', 'champion'),
  ).action(async (models: string[], flags: ReleaseFlags & { champion: string }) => {
    const client = clientFor(flags);
    await withServer(client.registryUri, async () => {
      for (const name of models) {
        const model = await client.registry.getRegisteredModel(name);
        const version = model.aliases[flags.alias];
        if (version === undefined) continue;
        // An approval moves the stage only; the prod target's endpoints and the next gate read the
        // alias, so without this production would go on serving (or lack) the previous champion.
        const stage = (await client.registry.getModelVersion(name, version)).currentStage;
        if (stage !== 'Production') throw new InvalidParameterError(`${name} version ${version} is in ${stage}, not Production: run modelyard ci check-production first`);
        if (model.aliases[flags.champion] === version) {
          process.stdout.write(`${name}@${flags.champion} is already version ${version}\n`);
          continue;
        }
        await client.registry.setAlias(name, flags.champion, version);
        process.stdout.write(`${name}@${flags.champion} → version ${version}\n`);
      }
    });
  });
}
