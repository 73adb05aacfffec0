import type { Client, Job } from '@modelyard/sdk';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { clientFor, withServer } from '../models/models-cli-context.js';
import type { ServerFlags } from '../store-options.js';

export interface JobsCliFlags extends ServerFlags {
  trackingUri?: string;
  user?: string;
  json?: boolean;
}

/** What a jobs command talks to: a server's API, and (store mode only) how to let this process's runner finish. */
export interface JobsCliTarget {
  client: Client;
  /** Resolves once this process has finished driving the run (store mode); at once against a server. */
  settled(jobRunId: number): Promise<void>;
}

/**
 * Runs a jobs command against a server over HTTP (`--tracking-uri` / MLFLOW_TRACKING_URI): the
 * default, from any folder, creating nothing there. Only with an explicit `--backend-store-uri`
 * does it open that store itself, serving its API on a loopback port for the command's duration,
 * so both modes print through the same SDK calls; runs started or repaired then run in this
 * process (as `modelyard run --local` does).
 */
export async function withJobsClient<T>(flags: JobsCliFlags, use: (t: JobsCliTarget) => Promise<T>): Promise<T> {
  if (!flags.backendStoreUri) {
    // Once this meant "the store in that folder"; silently asking a server instead would mislead.
    if (flags.dataDir !== undefined) throw new InvalidParameterError('--data-dir applies only with --backend-store-uri (a store opened here); without it, jobs commands ask the server at --tracking-uri / MLFLOW_TRACKING_URI');
    const client = clientFor(flags);
    return withServer(client.trackingUri, () => use({ client, settled: async () => {} }));
  }
  const { openPipelinesContext } = await import('../pipelines-cli-context.js');
  const ctx = await openPipelinesContext(flags, { serveTracking: true });
  try {
    ctx.pipelines.runner.start();
    const client = clientFor({ ...flags, trackingUri: ctx.trackingUrl! });
    return await withServer(flags.backendStoreUri, () =>
      use({
        client,
        settled: async (id) => {
          await ctx.pipelines.runner.waitFor(id);
        },
      }),
    );
  } finally {
    await ctx.close();
  }
}

/** A job by id, or by key when exactly one deployed job has it (else the candidates are named). */
export async function resolveJob(client: Client, ref: string): Promise<Job> {
  if (/^\d+$/.test(ref)) return client.jobs.getJob(Number(ref));
  const found = (await client.jobs.listJobs()).filter((j) => j.jobKey === ref);
  if (found.length === 0) throw new NotFoundError(`no deployed job has the key '${ref}' on this server (modelyard jobs list shows them)`);
  if (found.length > 1) {
    const list = found.map((j) => `${j.jobId} (${j.project}${j.target ? `, target ${j.target}` : ''})`).join(', ');
    throw new InvalidParameterError(`several jobs have the key '${ref}': ${list}; give the job id`);
  }
  return found[0]!;
}

export function runIdOf(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidParameterError(`a job run id is a number, got '${value}'`);
  return Number(value);
}
