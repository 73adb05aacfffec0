import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { parse as parseYaml } from 'yaml';
import type { ScoringResult, ServingEndpoint } from '@modelyard/sdk/client';
import { ErrorBanner } from '../../components/error-banner.js';
import { parseSpec } from '../../components/signature-tables.js';
import { useQueryParam } from '../../lib/search-params.js';
import { sdk } from '../../sdk-client.js';

/** A scoring answer and how long the round trip took. */
interface Prediction extends ScoringResult {
  millis: number;
}

const SCORING_KEYS = ['dataframe_records', 'dataframe_split', 'instances', 'inputs'];

/**
 * The request body for what was typed: a JSON object of column → value is one row
 * (`dataframe_records`), a list of such objects is several; a body already in one of MLflow's
 * scoring formats is sent as it is.
 */
export function scoringBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`The request is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (Array.isArray(value)) return { dataframe_records: value };
  if (value && typeof value === 'object') {
    if (SCORING_KEYS.some((k) => k in (value as object))) return value;
    return { dataframe_records: [value] };
  }
  throw new Error('Type one row as a JSON object (column → value), a list of rows, or an MLflow scoring body');
}

/** An example row from the served version's signature: each input column with a zero (or ''). */
async function exampleRow(modelName: string, version: string): Promise<string | undefined> {
  const client = sdk();
  const uri = await client.registry.getModelVersionDownloadUri(modelName, version);
  const { text } = await client.registryArtifacts.readTextHead(uri, 'MLmodel', 256 * 1024);
  const doc = (parseYaml(text) ?? {}) as { signature?: { inputs?: unknown } };
  const inputs = parseSpec(doc.signature?.inputs);
  if (!inputs || inputs.some((c) => !c.name)) return undefined;
  const row = Object.fromEntries(inputs.map((c) => [c.name!, c.type === 'string' ? '' : 0]));
  return JSON.stringify(row, null, 2);
}

/** Sends one JSON row to the endpoint (through its traffic split, or to one served model) and shows the answer. */
export function TryItForm({ endpoint }: { endpoint: ServingEndpoint }) {
  const served = endpoint.servedModels;
  const [target, setTarget] = useQueryParam('served');
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<Prediction | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const first = served.find((s) => s.modelName && s.modelVersion);

  useEffect(() => {
    if (!first?.modelName || !first.modelVersion) return;
    let cancelled = false;
    exampleRow(first.modelName, first.modelVersion).then(
      (row) => {
        if (!cancelled && row) setText((t) => (t === '' ? row : t));
      },
      () => undefined, // no readable signature: the box stays empty for the user to fill
    );
    return () => {
      cancelled = true;
    };
  }, [first?.modelName, first?.modelVersion]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      const body = scoringBody(text);
      const started = performance.now();
      // A refused row throws the server's error (MlflowApiError: MLflow's error_code and message).
      const result = await sdk().serving.invoke(endpoint.name, body, target ? { servedModel: target } : {});
      setAnswer({ ...result, millis: performance.now() - started });
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="try-it" onSubmit={(e) => void submit(e)} aria-label="Try the endpoint">
      <div className="form-row">
        <label htmlFor="try-it-input">Input row (JSON: column → value; a list of rows or an MLflow scoring body works too)</label>
        <textarea id="try-it-input" className="mono" rows={10} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      </div>
      <div className="toolbar">
        <label className="inline-field">
          Send to
          <select value={target} onChange={(e) => setTarget(e.target.value, { replace: true })}>
            <option value="">the traffic split</option>
            {served.map((s) => (
              <option key={s.name} value={s.name}>
                served model {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
          {busy ? 'Scoring…' : 'Score'}
        </button>
      </div>
      {error && <ErrorBanner title="The endpoint did not score the request" error={error} />}
      {answer && (
        <div className="prediction" aria-live="polite">
          <p>
            Answered by <strong>{answer.servedModel ?? '?'}</strong>
            {answer.modelName ? ` (${answer.modelName} version ${answer.modelVersion ?? '?'})` : ''} in {answer.millis.toFixed(1)} ms
          </p>
          <pre className="text-preview prediction-body">{JSON.stringify(answer.body, null, 2)}</pre>
        </div>
      )}
    </form>
  );
}
