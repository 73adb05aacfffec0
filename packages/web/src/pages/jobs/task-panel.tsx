import type { TaskRun } from '../../api/jobs.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { StateBadge } from './job-links.js';
import { TaskLog } from './task-log.js';

/** The chosen task of a job run: its attempts, its result, and one attempt's stdout or stderr. */
export function TaskPanel({ runId, task }: { runId: number; task: TaskRun }) {
  const [attemptParam, setAttempt] = useQueryParam('attempt');
  const [streamParam, setStream] = useQueryParam('stream');
  const attempts = task.attempts ?? [];
  const latest = attempts[attempts.length - 1];
  const chosen = attempts.find((a) => String(a.attempt_number) === attemptParam) ?? latest;
  const stream = streamParam === 'stderr' ? 'stderr' : 'stdout';
  const live = chosen !== undefined && (chosen.state === 'RUNNING' || chosen.state === 'QUEUED');

  return (
    <section className="task-panel" aria-labelledby="task-panel-title">
      <h2 id="task-panel-title">
        Task {task.task_key} <StateBadge state={task.state} />
      </h2>
      {task.state_message && <p className="wrap">{task.state_message}</p>}
      {attempts.length === 0 ? (
        <p className="muted">No attempt has started{task.next_attempt_time ? `; the next is due ${formatTime(task.next_attempt_time)}` : ''}.</p>
      ) : (
        <>
          <table className="data-table attempts-table">
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">State</th>
                <th scope="col">Why</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Exit</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={a.attempt_number} className={a === chosen ? 'selected-row' : undefined}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-pressed={a === chosen}
                      onClick={() => setAttempt(a === latest ? undefined : String(a.attempt_number), { replace: true })}
                    >
                      #{a.attempt_number}
                    </button>
                  </td>
                  <td>
                    <StateBadge state={a.state} />
                  </td>
                  <td>{a.trigger ?? ''}</td>
                  <td>{formatTime(a.start_time)}</td>
                  <td>{a.start_time !== undefined ? formatDuration((a.end_time ?? Date.now()) - a.start_time) : '—'}</td>
                  <td>{a.exit_code ?? a.signal ?? ''}</td>
                  <td className="wrap">{a.state_message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {chosen && (
            <>
              <div className="tabs" role="tablist" aria-label="Log stream">
                {(['stdout', 'stderr'] as const).map((s) => (
                  <button
                    key={s}
                    type="button"
                    role="tab"
                    aria-selected={stream === s}
                    className={stream === s ? 'tab active' : 'tab'}
                    onClick={() => setStream(s === 'stdout' ? undefined : s, { replace: true })}
                  >
                    {s}
                  </button>
                ))}
              </div>
              <TaskLog runId={runId} taskKey={task.task_key} attempt={chosen.attempt_number} stream={stream} live={live} />
            </>
          )}
        </>
      )}
      {task.result !== undefined && (
        <>
          <h3>Result</h3>
          <pre className="text-preview">{JSON.stringify(task.result, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
