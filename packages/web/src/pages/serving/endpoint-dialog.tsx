import { useEffect, useState } from 'react';
import type { ServingEndpoint } from '@modelyard/sdk/client';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { sdk } from '../../sdk-client.js';
import { configOf, rowsOf } from './endpoint-config.js';
import type { ServedModelRow } from './endpoint-config.js';

/**
 * Creates an endpoint (no `endpoint`) or changes one's served models and traffic split. The
 * server loads the new models before it switches, so an edit never fails requests in flight.
 */
export function EndpointDialog({ endpoint, open, onClose, onSaved }: { endpoint?: ServingEndpoint; open: boolean; onClose: () => void; onSaved: (e: ServingEndpoint) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [inferenceLog, setInferenceLog] = useState(false);
  const [rows, setRows] = useState<ServedModelRow[]>(rowsOf(undefined));
  useEffect(() => {
    if (!open) return;
    setName(endpoint?.name ?? '');
    setDescription(endpoint?.description ?? '');
    setInferenceLog(endpoint?.inferenceLog ?? false);
    setRows(rowsOf(endpoint));
  }, [open, endpoint]);

  const checked = configOf(rows);
  const problem = !endpoint && !name.trim() ? 'The endpoint needs a name.' : 'problem' in checked ? checked.problem : undefined;
  const setRow = (i: number, change: Partial<ServedModelRow>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...change } : r)));

  return (
    <ConfirmDialog
      open={open}
      title={endpoint ? `Change endpoint ${endpoint.name}` : 'Create a serving endpoint'}
      confirmLabel={endpoint ? 'Save and switch' : 'Create endpoint'}
      tone="primary"
      confirmDisabled={problem !== undefined}
      onClose={onClose}
      onConfirm={async () => {
        if (!('config' in checked)) return;
        const config = { ...checked.config, inferenceLog };
        const saved = endpoint
          ? await sdk().serving.updateEndpoint(endpoint.name, config, { description })
          : await sdk().serving.createEndpoint(name.trim(), config, description ? { description } : {});
        onSaved(saved);
      }}
    >
      {!endpoint && (
        <div className="form-row">
          <label htmlFor="endpoint-name">Name</label>
          <input id="endpoint-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="diabetes-classifier" />
        </div>
      )}
      <div className="form-row">
        <label htmlFor="endpoint-description">Description</label>
        <input id="endpoint-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <fieldset className="params-fieldset served-models-fieldset">
        <legend>Served models and traffic</legend>
        {rows.map((r, i) => (
          <div className="served-model-row" key={i} data-row={i}>
            <label>
              Name
              <input aria-label={`Served model ${i + 1} name`} value={r.name} onChange={(e) => setRow(i, { name: e.target.value })} />
            </label>
            <label className="grow">
              Model URI
              <input aria-label={`Served model ${i + 1} model URI`} value={r.modelUri} onChange={(e) => setRow(i, { modelUri: e.target.value })} placeholder="models:/name@champion" />
            </label>
            <label>
              Traffic %
              <input aria-label={`Served model ${i + 1} traffic`} inputMode="numeric" value={r.percentage} onChange={(e) => setRow(i, { percentage: e.target.value })} size={4} />
            </label>
            <button type="button" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} disabled={rows.length === 1} aria-label={`Remove served model ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setRows((rs) => [...rs, { name: rs.length === 1 ? 'challenger' : '', modelUri: '', percentage: '0' }])}>
          Add served model
        </button>
      </fieldset>
      <div className="form-row check">
        <input id="endpoint-inference-log" type="checkbox" checked={inferenceLog} onChange={(e) => setInferenceLog(e.target.checked)} />
        <label htmlFor="endpoint-inference-log">Log requests and predictions (inference log)</label>
      </div>
      {problem ? (
        <p className="form-problem" role="status">
          {problem}
        </p>
      ) : (
        <p className="muted">Model URIs may name a version, a stage or an alias; an endpoint on a stage or alias follows it when it moves.</p>
      )}
    </ConfirmDialog>
  );
}
