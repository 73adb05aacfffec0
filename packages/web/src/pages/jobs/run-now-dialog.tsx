import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Job } from '@modelyard/sdk/client';
import { sdk } from '../../sdk-client.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { jobRunLink } from './job-links.js';

/** Starts a job now, with its parameters prefilled from their defaults; opens the new run. */
export function RunNowDialog({ job, open, onClose }: { job: Job | undefined; open: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => {
    if (open && job) setValues(Object.fromEntries(job.parameters.map((p) => [p.name, p.default])));
  }, [open, job]);
  const params = job?.parameters ?? [];

  return (
    <ConfirmDialog
      open={open && job !== undefined}
      title={`Run ${job?.name ?? 'job'} now`}
      confirmLabel="Run now"
      tone="primary"
      onClose={onClose}
      onConfirm={async () => {
        if (!job) return;
        // Only values that differ from the defaults are sent: the run records what was chosen.
        const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => params.find((p) => p.name === k)?.default !== v));
        const started = await sdk().jobs.runNow(job.jobId, changed);
        navigate(jobRunLink(started.runId));
      }}
    >
      {params.length === 0 ? (
        <p>This job has no parameters.</p>
      ) : (
        <fieldset className="params-fieldset">
          <legend>Parameters</legend>
          {params.map((p) => (
            <div className="form-row" key={p.name}>
              <label htmlFor={`param-${p.name}`}>
                {p.name} <span className="muted">(default “{p.default}”)</span>
              </label>
              <input id={`param-${p.name}`} value={values[p.name] ?? ''} onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))} />
            </div>
          ))}
        </fieldset>
      )}
      <p className="muted">The run starts at once, or is queued or skipped when the job is at its concurrency limit.</p>
    </ConfirmDialog>
  );
}
