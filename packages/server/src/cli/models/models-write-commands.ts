import type { Command } from 'commander';
import type { ModelVersion } from '@modelyard/sdk';
import { allVersions } from './models-read-commands.js';
import { addModelsOptions, clientFor, formatTime, parseStage, parseVersion, printJson, printTable, withServer } from './models-cli-context.js';
import type { ModelsFlags } from './models-cli-context.js';

type CommentFlags = ModelsFlags & { comment?: string };
type ArchiveFlags = CommentFlags & { archiveExisting?: boolean };

/** The versions whose stage a transition changed as a side effect (archive_existing_versions). */
function archivedBy(before: ModelVersion[], after: ModelVersion[], moved: string): string[] {
  const was = new Map(before.map((v) => [v.version, v.currentStage]));
  return after.filter((v) => v.version !== moved && v.currentStage === 'Archived' && was.get(v.version) !== 'Archived').map((v) => v.version);
}

async function transition(name: string, versionArg: string, stageArg: string, flags: ArchiveFlags): Promise<void> {
  const version = parseVersion(versionArg);
  const stage = parseStage(stageArg);
  const client = clientFor(flags);
  const { from, to, archived } = await withServer(client.registryUri, async () => {
    const before = await allVersions(client, name);
    const current = before.find((v) => v.version === version) ?? (await client.registry.getModelVersion(name, version));
    const to = await client.registry.transitionModelVersionStage(name, version, stage, {
      archiveExistingVersions: flags.archiveExisting ?? false,
      ...(flags.comment ? { comment: flags.comment } : {}),
    });
    const archived = flags.archiveExisting ? archivedBy(before, await allVersions(client, name), version) : [];
    return { from: current.currentStage, to, archived };
  });
  if (flags.json) return printJson({ fromStage: from, modelVersion: to, archivedVersions: archived });
  process.stdout.write(`${name} version ${version}: ${from} → ${to.currentStage}${archived.length ? `; archived version(s) ${archived.join(', ')}` : ''}\n`);
}

async function setAlias(name: string, alias: string, versionArg: string, flags: ModelsFlags): Promise<void> {
  const version = parseVersion(versionArg);
  const client = clientFor(flags);
  const previous = await withServer(client.registryUri, async () => {
    const was = (await client.registry.getRegisteredModel(name)).aliases[alias];
    await client.registry.setAlias(name, alias, version);
    return was;
  });
  if (flags.json) return printJson({ name, alias, version, ...(previous ? { previousVersion: previous } : {}) });
  process.stdout.write(`${name}@${alias} → version ${version}${previous && previous !== version ? ` (was ${previous})` : ''}\n`);
}

async function deleteAlias(name: string, alias: string, flags: ModelsFlags): Promise<void> {
  const client = clientFor(flags);
  const previous = await withServer(client.registryUri, async () => {
    const was = (await client.registry.getRegisteredModel(name)).aliases[alias];
    // MLflow answers a delete of a missing alias with success; a CLI user wants to know.
    if (was === undefined) throw new Error(`registered model '${name}' has no alias '${alias}'`);
    await client.registry.deleteAlias(name, alias);
    return was;
  });
  if (flags.json) return printJson({ name, alias, deleted: true, previousVersion: previous });
  process.stdout.write(`deleted ${name}@${alias} (was version ${previous})\n`);
}

async function request(name: string, versionArg: string, stageArg: string, flags: CommentFlags): Promise<void> {
  const version = parseVersion(versionArg);
  const stage = parseStage(stageArg);
  const client = clientFor(flags);
  const r = await withServer(client.registryUri, () => client.registryGovernance.createTransitionRequest(name, version, stage, flags.comment));
  if (flags.json) return printJson({ name, version, request: r });
  process.stdout.write(`requested ${name} version ${version} → ${r.toStage}${r.userId ? ` by ${r.userId}` : ''}; approve with: modelyard models approve ${name} ${version} ${r.toStage}\n`);
}

async function listRequests(name: string, versionArg: string, flags: ModelsFlags): Promise<void> {
  const version = parseVersion(versionArg);
  const client = clientFor(flags);
  const list = await withServer(client.registryUri, () => client.registryGovernance.listTransitionRequests(name, version));
  if (flags.json) return printJson(list);
  if (list.length === 0) {
    process.stdout.write(`no open transition requests for ${name} version ${version}\n`);
    return;
  }
  printTable(['ID', 'TO_STAGE', 'REQUESTED_BY', 'CREATED', 'COMMENT'], list.map((r) => [r.id ?? '-', r.toStage, r.userId ?? '-', formatTime(r.creationTimestamp), r.comment ?? '']));
}

async function resolveRequest(kind: 'approve' | 'reject', name: string, versionArg: string, stageArg: string, flags: ArchiveFlags): Promise<void> {
  const version = parseVersion(versionArg);
  const stage = parseStage(stageArg);
  const client = clientFor(flags);
  const activity = await withServer(client.registryUri, () =>
    kind === 'approve'
      ? client.registryGovernance.approveTransitionRequest(name, version, stage, {
          archiveExistingVersions: flags.archiveExisting ?? false,
          ...(flags.comment ? { comment: flags.comment } : {}),
        })
      : client.registryGovernance.rejectTransitionRequest(name, version, stage, flags.comment),
  );
  if (flags.json) return printJson({ name, version, activity });
  process.stdout.write(
    kind === 'approve'
      ? `approved: ${name} version ${version} ${activity.fromStage ?? '?'} → ${activity.toStage}\n`
      : `rejected the request to move ${name} version ${version} to ${activity.toStage}\n`,
  );
}

export function registerModelsWriteCommands(models: Command): void {
  addModelsOptions(
    models
      .command('transition')
      .description('move a version to a stage (None, Staging, Production, Archived); audited')
      .argument('<name>')
      .argument('<version>')
      .argument('<stage>')
      .option('--archive-existing', 'archive the versions now in that stage (Staging or Production only)')
      .option('--comment <text>', 'why: recorded in the audit trail'),
  ).action((name: string, version: string, stage: string, flags: ArchiveFlags) => transition(name, version, stage, flags));

  const alias = models.command('alias').description('set or delete an alias (e.g. champion) of a registered model');
  addModelsOptions(alias.command('set').description('point ALIAS at VERSION').argument('<name>').argument('<alias>').argument('<version>')).action(
    (name: string, a: string, version: string, flags: ModelsFlags) => setAlias(name, a, version, flags),
  );
  addModelsOptions(alias.command('delete').description('remove ALIAS').argument('<name>').argument('<alias>')).action((name: string, a: string, flags: ModelsFlags) =>
    deleteAlias(name, a, flags),
  );

  addModelsOptions(
    models
      .command('request')
      .description('ask for a stage transition; someone approves or rejects it')
      .argument('<name>')
      .argument('<version>')
      .argument('<stage>')
      .option('--comment <text>', 'why'),
  ).action((name: string, version: string, stage: string, flags: CommentFlags) => request(name, version, stage, flags));
  addModelsOptions(models.command('requests').description('open transition requests of a version').argument('<name>').argument('<version>')).action(
    (name: string, version: string, flags: ModelsFlags) => listRequests(name, version, flags),
  );
  addModelsOptions(
    models
      .command('approve')
      .description('approve the open request(s) to move a version to STAGE: performs the transition')
      .argument('<name>')
      .argument('<version>')
      .argument('<stage>')
      .option('--archive-existing', 'archive the versions now in that stage')
      .option('--comment <text>', 'recorded in the audit trail'),
  ).action((name: string, version: string, stage: string, flags: ArchiveFlags) => resolveRequest('approve', name, version, stage, flags));
  addModelsOptions(
    models
      .command('reject')
      .description('reject the open request(s) to move a version to STAGE')
      .argument('<name>')
      .argument('<version>')
      .argument('<stage>')
      .option('--comment <text>', 'recorded in the audit trail'),
  ).action((name: string, version: string, stage: string, flags: CommentFlags) => resolveRequest('reject', name, version, stage, flags));
}
