import { useState } from 'react';
import type { ModelVersion, RegisteredModel, Stage, TransitionActivity } from '@modelyard/sdk/client';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { sdk } from '../../sdk-client.js';
import { MODEL_STAGES } from './registry-links.js';
import { ActionsHeader } from '../../components/actions-header.js';

type Dialog =
  | { kind: 'transition' }
  | { kind: 'alias' }
  | { kind: 'request' }
  | { kind: 'approve'; request: TransitionActivity }
  | { kind: 'reject'; request: TransitionActivity };

const ACTIVE_STAGES = new Set(['Staging', 'Production']);

function CommentField({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  return (
    <div className="form-row">
      <label htmlFor={id}>Comment (kept in the history)</label>
      <textarea id={id} rows={2} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function ArchiveField({ stage, checked, onChange }: { stage: string; checked: boolean; onChange: (v: boolean) => void }) {
  if (!ACTIVE_STAGES.has(stage)) return null;
  return (
    <label className="check form-row">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      Archive the versions now in {stage}
    </label>
  );
}

/**
 * The promoting actions on one version: move its stage, point an alias at it, ask for a
 * transition, and approve or reject the requests waiting on it. Every one asks first and says
 * exactly what will move; a refusal from the server stays in the dialog with its message.
 */
export function VersionActions({
  model,
  version,
  requests,
  onChanged,
}: {
  model: RegisteredModel | undefined;
  version: ModelVersion;
  requests: readonly TransitionActivity[];
  onChanged: () => void;
}) {
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const [stage, setStage] = useState<Stage>('Staging');
  const [archive, setArchive] = useState(false);
  const [alias, setAliasName] = useState('');
  const [comment, setComment] = useState('');
  const current = version.currentStage;

  const open = (d: Dialog) => {
    setComment('');
    setArchive(false);
    if (d.kind === 'transition' || d.kind === 'request') setStage(current === 'Production' ? 'Archived' : current === 'Staging' ? 'Production' : 'Staging');
    if (d.kind === 'alias') setAliasName('');
    setDialog(d);
  };
  const close = () => setDialog(undefined);
  const done = () => onChanged();
  const aliasName = alias.trim();
  const aliasTarget = model && Object.hasOwn(model.aliases, aliasName) ? { version: model.aliases[aliasName]! } : undefined;
  const { name, version: v } = version;
  const commentText = comment.trim() || undefined;
  const commentOpt = commentText ? { comment: commentText } : {};

  return (
    <>
      <div className="toolbar version-actions">
        <button type="button" onClick={() => open({ kind: 'transition' })}>
          Transition stage…
        </button>
        <button type="button" onClick={() => open({ kind: 'alias' })}>
          Set alias…
        </button>
        <button type="button" onClick={() => open({ kind: 'request' })}>
          Request transition…
        </button>
      </div>

      <h2>Pending transition requests</h2>
      {requests.length === 0 ? (
        <p className="muted">No open requests for this version.</p>
      ) : (
        <table className="data-table requests-table">
          <thead>
            <tr>
              <th scope="col">To stage</th>
              <th scope="col">Requested by</th>
              <th scope="col">Comment</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {requests.map((r) => (
              <tr key={r.id ?? `${r.toStage}-${r.creationTimestamp ?? ''}`}>
                <td>{r.toStage}</td>
                <td>{r.userId ?? '—'}</td>
                <td className="wrap">{r.comment ?? ''}</td>
                <td className="actions">
                  <button type="button" onClick={() => open({ kind: 'approve', request: r })} aria-label={`Approve the request to move to ${r.toStage}`}>
                    Approve…
                  </button>
                  <button type="button" className="danger" onClick={() => open({ kind: 'reject', request: r })} aria-label={`Reject the request to move to ${r.toStage}`}>
                    Reject…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <ConfirmDialog
        open={dialog?.kind === 'transition'}
        title={`Move version ${version.version} of ${version.name}`}
        confirmLabel={`Move to ${stage}`}
        tone="primary"
        confirmDisabled={stage === current}
        onClose={close}
        onConfirm={async () => {
          await sdk().registry.transitionModelVersionStage(name, v, stage, { archiveExistingVersions: archive, ...commentOpt });
          done();
        }}
      >
        <p>
          From <strong>{current}</strong> to:
        </p>
        <div className="form-row">
          <label htmlFor="transition-stage">Stage</label>
          <select id="transition-stage" value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            {MODEL_STAGES.map((s) => (
              <option key={s} value={s} disabled={s === current}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <ArchiveField stage={stage} checked={archive} onChange={setArchive} />
        <CommentField id="transition-comment" value={comment} onChange={setComment} />
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog?.kind === 'alias'}
        title={`Point an alias at version ${version.version}`}
        confirmLabel={aliasTarget ? `Move @${alias.trim()}` : 'Set alias'}
        tone="primary"
        confirmDisabled={alias.trim() === '' || aliasTarget?.version === version.version}
        onClose={close}
        onConfirm={async () => {
          await sdk().registry.setAlias(name, aliasName, v, commentOpt);
          done();
        }}
      >
        <div className="form-row">
          <label htmlFor="alias-name">Alias</label>
          <input id="alias-name" value={alias} list="alias-names" autoComplete="off" onChange={(e) => setAliasName(e.target.value)} placeholder="champion" />
          <datalist id="alias-names">
            {Object.keys(model?.aliases ?? {}).map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <p className="muted" aria-live="polite">
          {alias.trim() === ''
            ? 'Type an alias name.'
            : aliasTarget
              ? aliasTarget.version === version.version
                ? `@${alias.trim()} already points at this version.`
                : `@${alias.trim()} moves from version ${aliasTarget.version} to version ${version.version}; anything that loads models:/${version.name}@${alias.trim()} switches.`
              : `@${alias.trim()} is new and will point at version ${version.version}.`}
        </p>
        <CommentField id="alias-comment" value={comment} onChange={setComment} />
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog?.kind === 'request'}
        title={`Request a transition of version ${version.version}`}
        confirmLabel="Send request"
        tone="primary"
        confirmDisabled={stage === current}
        onClose={close}
        onConfirm={async () => {
          await sdk().registryGovernance.createTransitionRequest(name, v, stage, commentText);
          done();
        }}
      >
        <div className="form-row">
          <label htmlFor="request-stage">To stage</label>
          <select id="request-stage" value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            {MODEL_STAGES.map((s) => (
              <option key={s} value={s} disabled={s === current}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <CommentField id="request-comment" value={comment} onChange={setComment} />
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog?.kind === 'approve'}
        title={`Approve moving version ${version.version} to ${dialog?.kind === 'approve' ? dialog.request.toStage : ''}`}
        confirmLabel="Approve and move"
        tone="primary"
        onClose={close}
        onConfirm={async () => {
          if (dialog?.kind !== 'approve') return;
          await sdk().registryGovernance.approveTransitionRequest(name, v, dialog.request.toStage as Stage, { archiveExistingVersions: archive, ...commentOpt });
          done();
        }}
      >
        {dialog?.kind === 'approve' && (
          <>
            <p>
              Requested by {dialog.request.userId ?? 'someone'}: {current} → <strong>{dialog.request.toStage}</strong>. Approving moves the version now.
            </p>
            <ArchiveField stage={dialog.request.toStage} checked={archive} onChange={setArchive} />
          </>
        )}
        <CommentField id="approve-comment" value={comment} onChange={setComment} />
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog?.kind === 'reject'}
        title={`Reject moving version ${version.version} to ${dialog?.kind === 'reject' ? dialog.request.toStage : ''}`}
        confirmLabel="Reject request"
        onClose={close}
        onConfirm={async () => {
          if (dialog?.kind !== 'reject') return;
          await sdk().registryGovernance.rejectTransitionRequest(name, v, dialog.request.toStage as Stage, commentText);
          done();
        }}
      >
        <p>The version stays in {current}; the requester sees the rejection in the history.</p>
        <CommentField id="reject-comment" value={comment} onChange={setComment} />
      </ConfirmDialog>
    </>
  );
}
