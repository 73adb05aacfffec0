import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ModelVersion } from '@modelyard/sdk/client';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner } from '../../components/error-banner.js';
import { sdk } from '../../sdk-client.js';
import { ActionsHeader } from '../../components/actions-header.js';

/** A version's tags: set one (a new key or a new value), delete one after confirming. */
export function VersionTags({ version, onChanged }: { version: ModelVersion; onChanged: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();
  const tags = Object.entries(version.tags).map(([key, value]) => ({ key, value }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await sdk().registry.setModelVersionTag(version.name, version.version, key.trim(), value);
      setKey('');
      setValue('');
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {tags.length === 0 ? (
        <p className="muted">No tags.</p>
      ) : (
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
              <tr key={t.key} data-tag={t.key}>
                <td className="mono">{t.key}</td>
                <td className="mono wrap">{t.value}</td>
                <td className="actions">
                  <button type="button" className="danger" onClick={() => setDeleting(t.key)} aria-label={`Delete tag ${t.key}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form add-tag" onSubmit={(e) => void save(e)} aria-label="Set a version tag">
        <label htmlFor="version-tag-key">Key</label>
        <input id="version-tag-key" value={key} onChange={(e) => setKey(e.target.value)} required />
        <label htmlFor="version-tag-value">Value</label>
        <input id="version-tag-value" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" disabled={busy || key.trim() === ''}>
          Set tag
        </button>
      </form>
      {error && <ErrorBanner title="Could not set the tag" error={error} />}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete tag ${deleting ?? ''}?`}
        confirmLabel="Delete tag"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (deleting === undefined) return;
          await sdk().registry.deleteModelVersionTag(version.name, version.version, deleting);
          onChanged();
        }}
      >
        <p>
          The tag <code>{deleting}</code> is removed from version {version.version} of {version.name}.
        </p>
      </ConfirmDialog>
    </>
  );
}
