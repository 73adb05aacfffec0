/**
 * A mixed MLflow write load and its ledger, for the multi-process tests of this folder: every
 * write a server acknowledged (HTTP 200) is recorded, every other answer too, and `missingWrites`
 * reads the store back to see which acknowledged writes are there.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- MLflow's JSON answers, read loosely */

export const SHARED_MODEL = 'shared-model';
const BATCH_KEYS = ['b_loss', 'b_acc'];

type Write =
  | { kind: 'create-run'; runId: string }
  | { kind: 'log-metric'; runId: string; key: string; step: number; value: number }
  | { kind: 'log-batch'; runId: string; step: number; value: number; param: string }
  | { kind: 'set-tag'; runId: string; key: string; value: string }
  | { kind: 'create-model'; name: string }
  | { kind: 'create-version'; name: string; version: string; source: string };

export class WriteLedger {
  readonly acknowledged: Write[] = [];
  /** Answers other than 200, and requests that got no answer: `status path: body`. */
  readonly failures: string[] = [];
  requests = 0;

  /** POSTs `body`; the parsed answer on 200, else undefined (the failure is recorded). */
  async post(url: string, path: string, body: unknown): Promise<any> {
    this.requests++;
    let res: Response;
    try {
      res = await fetch(`${url}/api/2.0/mlflow${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      this.failures.push(`no answer ${path}: ${(e as Error).message}`);
      return undefined;
    }
    const text = await res.text().catch(() => '');
    if (res.status !== 200) {
      this.failures.push(`${res.status} ${path}: ${text}`);
      return undefined;
    }
    return text ? JSON.parse(text) : {};
  }
}

export interface WriterOptions {
  /** The server URL for the writer's n-th request: alternate to spread writes over servers. */
  serverFor: (n: number) => string;
  experimentId: string;
  writer: number;
  iterations: number;
  /** Checked before each request: the writer stops once it is true. */
  stop?: () => boolean;
}

/**
 * One client's writes: per iteration a run, a metric, a log-batch (metrics + a param + a tag), a
 * tag, and every third iteration a registered model and a version of the model all writers share
 * (version numbers are allotted by a read-then-write in one transaction: the racing kind). A
 * write that is not acknowledged is recorded and the writer goes on (with the next iteration when
 * the run could not be created), so the ledger counts every failure a load would meet.
 */
export async function runWriter(ledger: WriteLedger, opts: WriterOptions): Promise<void> {
  let n = opts.writer;
  const url = () => opts.serverFor(n++);
  const go = () => !opts.stop?.();
  for (let i = 0; i < opts.iterations && go(); i++) {
    const tag = `w${opts.writer}-i${i}`;
    const created = await ledger.post(url(), '/runs/create', { experiment_id: opts.experimentId, run_name: tag, start_time: Date.now() });
    if (!created) continue;
    const runId: string = created.run.info.run_id;
    ledger.acknowledged.push({ kind: 'create-run', runId });

    if (!go()) return;
    const metric = { runId, key: 'loss', step: i, value: i + opts.writer / 100 };
    if (await ledger.post(url(), '/runs/log-metric', { run_id: runId, key: metric.key, value: metric.value, timestamp: Date.now(), step: i })) {
      ledger.acknowledged.push({ kind: 'log-metric', ...metric });
    }

    if (!go()) return;
    const batch = { runId, step: i, value: i * 2 + 0.5, param: `p_${tag}` };
    const logged = await ledger.post(url(), '/runs/log-batch', {
      run_id: runId,
      metrics: BATCH_KEYS.map((key) => ({ key, value: batch.value, timestamp: Date.now(), step: i })),
      params: [{ key: batch.param, value: tag }],
      tags: [{ key: `bt_${tag}`, value: tag }],
    });
    if (logged) ledger.acknowledged.push({ kind: 'log-batch', ...batch });

    if (!go()) return;
    const setTag = { runId, key: `t_${tag}`, value: `v_${tag}` };
    if (await ledger.post(url(), '/runs/set-tag', { run_id: runId, key: setTag.key, value: setTag.value })) {
      ledger.acknowledged.push({ kind: 'set-tag', ...setTag });
    }

    if (i % 3 !== 0) continue;
    if (!go()) return;
    const model = `model-${tag}`;
    if (await ledger.post(url(), '/registered-models/create', { name: model })) ledger.acknowledged.push({ kind: 'create-model', name: model });

    if (!go()) return;
    const source = `runs:/${runId}/model`;
    const version = await ledger.post(url(), '/model-versions/create', { name: SHARED_MODEL, source, run_id: runId });
    if (version) ledger.acknowledged.push({ kind: 'create-version', name: SHARED_MODEL, version: String(version.model_version.version), source });
  }
}

async function getJson(url: string, path: string, query: Record<string, string>): Promise<any> {
  const res = await fetch(`${url}/api/2.0/mlflow${path}?${new URLSearchParams(query)}`);
  const text = await res.text();
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function metricSteps(url: string, runId: string, key: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let token: string | undefined;
  do {
    const page = await getJson(url, '/metrics/get-history', { run_id: runId, metric_key: key, ...(token ? { page_token: token } : {}) });
    for (const m of page?.metrics ?? []) out.set(m.step, m.value);
    token = page?.next_page_token;
  } while (token);
  return out;
}

interface StoredRun {
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Map<string, Map<number, number>>;
}

/**
 * Reads back every acknowledged write (through `serverFor`, alternating if it does) and returns
 * the ones missing, described. Also reports a version number acknowledged twice.
 */
export async function missingWrites(ledger: WriteLedger, serverFor: (n: number) => string): Promise<string[]> {
  let n = 0;
  const runs = new Map<string, Promise<StoredRun | undefined>>();
  const readRun = (runId: string) => {
    let p = runs.get(runId);
    if (!p) {
      p = (async () => {
        const got = await getJson(serverFor(n++), '/runs/get', { run_id: runId });
        if (!got) return undefined;
        const data = got.run.data ?? {};
        const metrics = new Map<string, Map<number, number>>();
        for (const key of ['loss', ...BATCH_KEYS]) metrics.set(key, await metricSteps(serverFor(n++), runId, key));
        return {
          params: new Map((data.params ?? []).map((p: { key: string; value: string }) => [p.key, p.value])),
          tags: new Map((data.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value])),
          metrics,
        };
      })();
      runs.set(runId, p);
    }
    return p;
  };

  const missing: string[] = [];
  const seenVersions = new Set<string>();
  // A few at a time: the servers under test are real processes on a shared machine.
  const queue = [...ledger.acknowledged];
  const check = async (w: Write): Promise<boolean> => {
    switch (w.kind) {
      case 'create-run':
        return (await readRun(w.runId)) !== undefined;
      case 'log-metric':
        return (await readRun(w.runId))?.metrics.get(w.key)?.get(w.step) === w.value;
      case 'log-batch': {
        const run = await readRun(w.runId);
        return !!run && run.params.has(w.param) && BATCH_KEYS.every((k) => run.metrics.get(k)?.get(w.step) === w.value);
      }
      case 'set-tag':
        return (await readRun(w.runId))?.tags.get(w.key) === w.value;
      case 'create-model':
        return (await getJson(serverFor(n++), '/registered-models/get', { name: w.name })) !== undefined;
      case 'create-version': {
        if (seenVersions.has(w.version)) {
          missing.push(`version ${w.version} of ${w.name} acknowledged twice`);
          return true;
        }
        seenVersions.add(w.version);
        const got = await getJson(serverFor(n++), '/model-versions/get', { name: w.name, version: w.version });
        return got?.model_version?.source === w.source;
      }
    }
  };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let w = queue.shift(); w; w = queue.shift()) if (!(await check(w))) missing.push(JSON.stringify(w));
    }),
  );
  return missing;
}
