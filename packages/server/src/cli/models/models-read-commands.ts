import type { Command } from 'commander';
import { filterLiteral, resolveModelUri } from '@modelyard/sdk';
import type { Client, ModelVersion, RegisteredModel, RegistryEvent, Stage } from '@modelyard/sdk';
import {
  addModelsOptions,
  clientFor,
  formatTime,
  parsePositive,
  parseVersion,
  printJson,
  printTable,
  truncate,
  withServer,
} from './models-cli-context.js';
import type { ModelsFlags } from './models-cli-context.js';

const STAGE_ORDER: readonly Stage[] = ['Production', 'Staging', 'None', 'Archived'];

/** Every version of a registered model, newest first. */
export async function allVersions(client: Client, name: string): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.registry.searchModelVersions({ filter: `name = ${filterLiteral(name)}`, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out.sort((a, b) => Number(b.version) - Number(a.version));
}

function byStage(versions: ModelVersion[]): Record<Stage, string[]> {
  const groups: Record<Stage, string[]> = { Production: [], Staging: [], None: [], Archived: [] };
  for (const v of [...versions].sort((a, b) => Number(a.version) - Number(b.version))) groups[v.currentStage]?.push(v.version);
  return groups;
}

const aliasesOf = (m: RegisteredModel) =>
  Object.entries(m.aliases)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([a, v]) => `${a}→${v}`)
    .join(', ');

async function listModels(flags: ModelsFlags & { filter?: string; orderBy?: string[]; maxResults: string }): Promise<void> {
  const client = clientFor(flags);
  const limit = parsePositive('--max-results', flags.maxResults);
  const models = await withServer(client.registryUri, async () => {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.registry.searchRegisteredModels({
        ...(flags.filter ? { filter: flags.filter } : {}),
        ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
        maxResults: Math.min(1000, limit - out.length),
        ...(pageToken ? { pageToken } : {}),
      });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken && out.length < limit);
    return out;
  });
  if (flags.json) return printJson(models);
  printTable(
    ['NAME', 'LATEST VERSIONS', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
    models.map((m) => [
      m.name,
      m.latestVersions.map((v) => `${v.version} (${v.currentStage})`).join(', ') || '-',
      aliasesOf(m) || '-',
      formatTime(m.lastUpdatedTimestamp),
      truncate(m.description),
    ]),
  );
}

async function showModel(name: string, flags: ModelsFlags): Promise<void> {
  const client = clientFor(flags);
  const { model, versions } = await withServer(client.registryUri, async () => ({
    model: await client.registry.getRegisteredModel(name),
    versions: await allVersions(client, name),
  }));
  const stages = byStage(versions);
  if (flags.json) return printJson({ model, versions, versionsByStage: stages });
  const out = process.stdout;
  out.write(`registered model ${model.name}: ${versions.length} version(s), created ${formatTime(model.creationTimestamp)}, updated ${formatTime(model.lastUpdatedTimestamp)}\n`);
  if (model.description) out.write(`description: ${model.description}\n`);
  const tags = Object.entries(model.tags);
  if (tags.length) out.write(`tags: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
  out.write('\n');
  printTable(['STAGE', 'VERSIONS'], STAGE_ORDER.map((s) => [s, stages[s].join(', ') || '-']));
  const aliases = Object.entries(model.aliases).sort(([a], [b]) => a.localeCompare(b));
  out.write('\n');
  if (aliases.length === 0) out.write('no aliases\n');
  else printTable(['ALIAS', 'VERSION'], aliases.map(([a, v]) => [a, v]));
}

async function listVersions(name: string, flags: ModelsFlags): Promise<void> {
  const client = clientFor(flags);
  const versions = await withServer(client.registryUri, async () => {
    const list = await allVersions(client, name);
    // An empty search cannot tell "no versions" from "no such model"; get says which.
    if (list.length === 0) await client.registry.getRegisteredModel(name);
    return list;
  });
  if (flags.json) return printJson(versions);
  printTable(
    ['VERSION', 'STAGE', 'STATUS', 'ALIASES', 'RUN_ID', 'CREATED', 'SOURCE'],
    versions.map((v) => [v.version, v.currentStage, v.status, v.aliases.join(', ') || '-', v.runId ?? '-', formatTime(v.creationTimestamp), v.source]),
  );
}

function change(e: RegistryEvent): string {
  const from = e.from ?? '-';
  const to = e.to ?? '-';
  const moved = e.from !== undefined || e.to !== undefined ? `${from} → ${to}` : '';
  return e.alias ? `@${e.alias}${moved ? ` ${moved}` : ''}` : moved;
}

async function history(name: string, flags: ModelsFlags & { version?: string; kind?: string[] }): Promise<void> {
  const client = clientFor(flags);
  const version = flags.version !== undefined ? parseVersion(flags.version) : undefined;
  const events = await withServer(client.registryUri, async () => {
    const list = await client.registryGovernance.allEvents({ name, ...(version ? { version } : {}), ...(flags.kind ? { kinds: flags.kind } : {}) });
    if (list.length === 0) await client.registry.getRegisteredModel(name);
    return list;
  });
  if (flags.json) return printJson(events);
  if (events.length === 0) {
    process.stdout.write(`no registry events for ${name}${version ? ` version ${version}` : ''}\n`);
    return;
  }
  printTable(
    ['TIME', 'VERSION', 'EVENT', 'CHANGE', 'ACTOR', 'COMMENT'],
    events.map((e) => [formatTime(e.timestamp), e.version ?? '-', e.kind, change(e), e.actor, truncate(e.comment, 60)]),
  );
}

/** `download-uri models:/m@champion` or `download-uri m 3`. */
async function downloadUri(target: string, version: string | undefined, flags: ModelsFlags): Promise<void> {
  const client = clientFor(flags);
  const result = await withServer(client.registryUri, async () => {
    if (target.startsWith('models:/')) {
      if (version !== undefined) throw new Error(`give either a models:/ URI or NAME VERSION, not both`);
      const r = await resolveModelUri(client, target);
      const uri = r.path ? `${r.rootUri.replace(/\/+$/, '')}/${r.path}` : r.rootUri;
      return { modelUri: target, ...(r.version ? { name: r.version.name, version: r.version.version } : {}), artifactUri: uri };
    }
    if (version === undefined) throw new Error(`download-uri needs NAME VERSION or a models:/ URI (got only '${target}')`);
    const v = parseVersion(version);
    return { name: target, version: v, artifactUri: await client.registry.getModelVersionDownloadUri(target, v) };
  });
  if (flags.json) return printJson(result);
  process.stdout.write(`${result.artifactUri}\n`);
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerModelsReadCommands(models: Command): void {
  for (const name of ['list', 'search']) {
    addModelsOptions(
      models
        .command(name)
        .description(name === 'list' ? 'list registered models' : 'search registered models with a filter (same as list)')
        .option('--filter <filter>', "MLflow filter, e.g. \"name LIKE 'diabetes%'\" or \"tags.team = 'risk'\"")
        .option('--order-by <clause>', "e.g. 'name ASC', 'last_updated_timestamp DESC' (repeatable)", collect)
        .option('--max-results <n>', 'stop after this many models', '1000'),
    ).action((flags) => listModels(flags));
  }
  addModelsOptions(models.command('show').description('a registered model: its versions per stage and its aliases').argument('<name>')).action((name: string, flags: ModelsFlags) =>
    showModel(name, flags),
  );
  addModelsOptions(models.command('versions').description('every version of a registered model, newest first').argument('<name>')).action(
    (name: string, flags: ModelsFlags) => listVersions(name, flags),
  );
  addModelsOptions(
    models
      .command('history')
      .description('the audit trail: stage transitions, alias moves, requests and approvals, oldest first')
      .argument('<name>')
      .option('--version <n>', 'only this version')
      .option('--kind <kind>', 'only events of this kind, e.g. stage_transition, alias_set (repeatable)', collect),
  ).action((name: string, flags) => history(name, flags));
  addModelsOptions(
    models
      .command('download-uri')
      .description("where a version's files are (the artifact URI the server resolves)")
      .argument('<name-or-uri>', 'a registered model name, or a models:/ URI (models:/m/3, models:/m@alias, models:/m/Production)')
      .argument('[version]'),
  ).action((target: string, version: string | undefined, flags: ModelsFlags) => downloadUri(target, version, flags));
}
