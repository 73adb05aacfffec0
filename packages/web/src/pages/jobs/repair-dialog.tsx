import { useEffect, useState } from 'react';
import type { JobRunDetail } from '@modelyard/sdk/client';
import { sdk } from '../../sdk-client.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';

const REPAIRABLE = new Set(['FAILED', 'TIMEDOUT', 'CANCELED', 'UPSTREAM_FAILED', 'UPSTREAM_CANCELED']);

export function repairableTasks(run: JobRunDetail): string[] {
  return run.tasks.filter((t) => REPAIRABLE.has(t.state)).map((t) => t.taskKey);
}

/**
 * Repair re-runs chosen tasks inside the same job run, and everything downstream of them;
 * succeeded tasks keep their results. The failed ones are chosen to start with.
 */
export function RepairDialog({ run, open, onClose, onRepaired }: { run: JobRunDetail; open: boolean; onClose: () => void; onRepaired: () => void }) {
  const candidates = repairableTasks(run);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (open) setChosen(new Set(run.tasks.filter((t) => ['FAILED', 'TIMEDOUT', 'CANCELED'].includes(t.state)).map((t) => t.taskKey)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  const toggle = (key: string, on: boolean) =>
    setChosen((s) => {
      const next = new Set(s);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  return (
    <ConfirmDialog
      open={open}
      title={`Repair run ${run.runId}`}
      confirmLabel={`Re-run ${chosen.size} task${chosen.size === 1 ? '' : 's'}`}
      tone="primary"
      confirmDisabled={chosen.size === 0}
      onClose={onClose}
      onConfirm={async () => {
        await sdk().jobs.repairRun(run.runId, [...chosen]);
        onRepaired();
      }}
    >
      <fieldset className="params-fieldset">
        <legend>Tasks to re-run (their dependants re-run too)</legend>
        {candidates.map((key) => (
          <label key={key} className="check form-row">
            <input type="checkbox" checked={chosen.has(key)} onChange={(e) => toggle(key, e.target.checked)} />
            {key} <span className="muted">({run.tasks.find((t) => t.taskKey === key)?.state})</span>
          </label>
        ))}
      </fieldset>
    </ConfirmDialog>
  );
}
