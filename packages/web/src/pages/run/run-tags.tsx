import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Run } from '@modelyard/sdk/client';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner } from '../../components/error-banner.js';
import { sdk } from '../../sdk-client.js';
import { ActionsHeader } from '../../components/actions-header.js';

interface KeyValue {
  key: string;
  value: string;
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function TagRow({ runId, tag, onChanged, onDelete }: { runId: string; tag: KeyValue; onChanged(): void; onDelete(key: string): void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(tag.value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await sdk().tracking.setTag(runId, tag.key, value);
      setEditing(false);
      onChanged();
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-tag={tag.key}>
      <td className="mono">{tag.key}</td>
      <td className="wrap">
        {editing ? (
          <form className="inline-form" onSubmit={(e) => void save(e)}>
            <label className="visually-hidden" htmlFor={`tag-value-${tag.key}`}>
              Value of {tag.key}
            </label>
            <input id={`tag-value-${tag.key}`} value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                setValue(tag.value);
                setError(undefined);
              }}
            >
              Cancel
            </button>
          </form>
        ) : (
          <span className="mono">{tag.value}</span>
        )}
        {error && <ErrorBanner title={`Could not save ${tag.key}`} error={error} />}
      </td>
      <td className="actions">
        {!editing && (
          <button type="button" onClick={() => setEditing(true)} aria-label={`Edit tag ${tag.key}`}>
            Edit
          </button>
        )}
        <button type="button" className="danger" onClick={() => onDelete(tag.key)} aria-label={`Delete tag ${tag.key}`}>
          Delete
        </button>
      </td>
    </tr>
  );
}

function TagTable({ runId, tags, onChanged, onDelete }: { runId: string; tags: KeyValue[]; onChanged(): void; onDelete(key: string): void }) {
  return (
    <table className="data-table tags-table">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
          <ActionsHeader />
        </tr>
      </thead>
      <tbody>
        {tags.map((t) => (
          <TagRow key={`${t.key}=${t.value}`} runId={runId} tag={t} onChanged={onChanged} onDelete={onDelete} />
        ))}
      </tbody>
    </table>
  );
}

/** A run's tags: edit a value, add a tag, delete one after confirming. System tags (mlflow.*) sit apart. */
export function RunTags({ run, onChanged }: { run: Run; onChanged(): void }) {
  const runId = run.info.runId;
  const tags = Object.entries(run.data.tags)
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = tags.filter((t) => t.key.startsWith('mlflow.'));
  const [toDelete, setToDelete] = useState<string | undefined>();
  const [newKey, setNewKey] = useState('');
  const [newValue, setNewValue] = useState('');
  const [addError, setAddError] = useState<Error | undefined>();

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setAddError(undefined);
    try {
      await sdk().tracking.setTag(runId, newKey.trim(), newValue);
      setNewKey('');
      setNewValue('');
      onChanged();
    } catch (err) {
      setAddError(toError(err));
    }
  };

  return (
    <div className="run-tags">
      {userTags.length === 0 ? <p className="muted">No tags yet.</p> : <TagTable runId={runId} tags={userTags} onChanged={onChanged} onDelete={setToDelete} />}
      <form className="inline-form add-tag" onSubmit={(e) => void add(e)}>
        <label>
          Key <input value={newKey} onChange={(e) => setNewKey(e.target.value)} required />
        </label>
        <label>
          Value <input value={newValue} onChange={(e) => setNewValue(e.target.value)} />
        </label>
        <button type="submit">Add tag</button>
      </form>
      {addError && <ErrorBanner title="Could not add the tag" error={addError} />}
      {systemTags.length > 0 && (
        <details className="system-tags">
          <summary>System tags ({systemTags.length})</summary>
          <TagTable runId={runId} tags={systemTags} onChanged={onChanged} onDelete={setToDelete} />
        </details>
      )}
      <ConfirmDialog
        open={toDelete !== undefined}
        title="Delete tag?"
        confirmLabel="Delete tag"
        onClose={() => setToDelete(undefined)}
        onConfirm={async () => {
          if (toDelete === undefined) return;
          await sdk().tracking.deleteTag(runId, toDelete);
          onChanged();
        }}
      >
        <p>
          Delete the tag <code>{toDelete}</code> from this run? This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
