import type { Command } from 'commander';
import { copyModelVersion, registryTargetOf, resolveModelUri } from '@modelyard/sdk';
import { addModelsOptions, clientFor, printJson, withServer } from './models-cli-context.js';
import type { ModelsFlags } from './models-cli-context.js';

interface CopyFlags extends ModelsFlags {
  to?: string;
  from?: string;
  name?: string;
  description?: string;
  reuse: boolean;
}

const HTTP = /^https?:\/\/[^/]/i;

/** `models:/<name>/…` or `models:/<name>@…` (not a logged model `models:/m-…`): the name to keep by default. */
function registeredNameOf(uri: string): string | undefined {
  const m = /^models:\/+([^/@]+)[/@]/.exec(uri);
  return m && !/^m-[0-9a-f]+$/.test(m[1]!) ? m[1] : undefined;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function copy(uri: string, flags: CopyFlags): Promise<void> {
  if (!flags.to) throw new Error('copy needs --to <url>: the registry server to copy into, e.g. --to http://prod:5000');
  if (!HTTP.test(flags.to)) throw new Error(`--to must be an http(s) URL of a registry server, got '${flags.to}'`);
  if (flags.from !== undefined && !HTTP.test(flags.from)) throw new Error(`--from must be an http(s) URL of a server, got '${flags.from}'`);
  const name = flags.name ?? registeredNameOf(uri);
  if (!name) throw new Error(`copy needs --name <registered model> on the target: '${uri}' does not name a registered model`);
  const source = clientFor(flags, flags.from ? { trackingUri: flags.from, registryUri: flags.from } : {});
  const targetClient = clientFor(flags, { trackingUri: flags.to, registryUri: flags.to });
  const target = registryTargetOf(targetClient);
  if (target.uri === source.registryUri && registeredNameOf(uri) === name) {
    throw new Error(`copying '${uri}' onto itself (same server, same name); pick another --name or --to`);
  }
  // Resolve on the source first, so a bad source URI is reported against the server it names.
  const sourceServer = uri.startsWith('models:/') && registeredNameOf(uri) ? source.registryUri : source.trackingUri;
  await withServer(sourceServer, () => resolveModelUri(source, uri));
  const copied = await withServer(target.uri, () =>
    copyModelVersion(source, uri, target, { name, reuseExisting: flags.reuse, ...(flags.description ? { description: flags.description } : {}) }),
  );
  const v = copied.version;
  if (flags.json) {
    return printJson({
      name: v.name,
      version: v.version,
      created: copied.created,
      sourceModelUri: copied.sourceModelUri,
      ...(copied.sourceServer ? { sourceServer: copied.sourceServer } : {}),
      targetServer: target.uri,
      targetSource: copied.targetSource,
      files: copied.files,
      bytes: copied.bytes,
      digest: copied.digest,
      modelVersion: v,
    });
  }
  const from = `${copied.sourceModelUri}${copied.sourceServer ? ` on ${copied.sourceServer}` : ''}`;
  process.stdout.write(
    copied.created
      ? `copied ${from} → ${v.name} version ${v.version} on ${target.uri} (${copied.files} files, ${humanBytes(copied.bytes)}; models:/${v.name}/${v.version})\n`
      : `already copied: ${v.name} version ${v.version} on ${target.uri} has the same files from ${from}; nothing uploaded (--no-reuse makes a new version)\n`,
  );
}

export function registerModelsCopyCommand(models: Command): void {
  addModelsOptions(
    models
      .command('copy')
      .description(
        'copy a model version, with its files, into another registry (a central/prod server): ' +
          'lineage tags record the source run, server, model URI and digest; the MLmodel and its signature travel with the files. ' +
          'Re-running a copy reuses the earlier one.',
      )
      .argument('<model-uri>', 'models:/m/3, models:/m@champion, models:/m/Production, runs:/<run_id>/model, models:/m-<id>')
      .option('--to <url>', 'the registry server to copy into')
      .option('--name <name>', 'registered model on the target (default: the source model name)')
      .option('--from <url>', 'the server the source is on (default: --registry-uri / --tracking-uri, then the environment)')
      .option('--description <text>', "the new version's description (default: the source version's)")
      .option('--no-reuse', 'always create a new version, even when an identical copy exists'),
  ).action((uri: string, flags: CopyFlags) => copy(uri, flags));
}
