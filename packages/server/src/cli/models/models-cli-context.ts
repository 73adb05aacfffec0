import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { Client, MlflowApiError, MlflowConnectionError } from '@modelyard/sdk';
import type { Stage } from '@modelyard/sdk';

/** Flags every `modelyard models …` command takes. */
export interface ModelsFlags {
  registryUri?: string;
  trackingUri?: string;
  json?: boolean;
  user?: string;
}

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export function addModelsOptions(cmd: Command): Command {
  return cmd
    .option('--registry-uri <uri>', 'registry server (default: MLFLOW_REGISTRY_URI, else the tracking URI)')
    .option('--tracking-uri <uri>', 'tracking server (default: MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)')
    .option('--user <name>', 'who the audit trail credits (default: MODELYARD_USER, else your login name)')
    .option('--json', 'print JSON instead of a table');
}

function loginName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * A CLI user waits at a terminal: two quick retries, then a clear error, rather than the SDK's
 * training-job default of five with growing backoff.
 */
export function clientFor(flags: ModelsFlags, servers: { trackingUri?: string; registryUri?: string } = {}): Client {
  const user = flags.user ?? process.env.MODELYARD_USER ?? loginName();
  const trackingUri = servers.trackingUri ?? flags.trackingUri;
  const registryUri = servers.registryUri ?? flags.registryUri;
  return new Client({
    ...(trackingUri ? { trackingUri } : {}),
    ...(registryUri ? { registryUri } : {}),
    ...(user ? { user } : {}),
    maxRetries: 2,
    backoffMs: 100,
    timeoutMs: 60_000,
  });
}

export function parseStage(value: string): Stage {
  const stage = STAGES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!stage) throw new Error(`stage '${value}' is not one of ${STAGES.join(', ')}`);
  return stage;
}

export function parseVersion(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`a model version is a positive whole number, got '${value}'`);
  return value;
}

export function parsePositive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive whole number, got '${value}'`);
  return n;
}

/** One line, whatever the server or the network said: the CLI's error contract. */
function oneLine(e: unknown, server: string): Error {
  if (e instanceof MlflowApiError) return new Error(`${server}: ${e.message.replace(/\s+/g, ' ').trim()} (${e.errorCode})`);
  if (e instanceof MlflowConnectionError) return new Error(`cannot reach ${server}: ${e.message.replace(/\s+/g, ' ').trim()}`);
  return e instanceof Error ? new Error(e.message.replace(/\s+/g, ' ').trim()) : new Error(String(e));
}

/** Runs a command body, turning SDK errors into one-line messages naming the server. */
export async function withServer<T>(server: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw oneLine(e, server);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function printTable(header: string[], rows: string[][]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  process.stdout.write(all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n');
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function truncate(text: string | undefined, max = 48): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
