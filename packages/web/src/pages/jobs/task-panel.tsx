import type { TaskRun } from '@modelyard/sdk/client';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { StateBadge } from './job-links.js';
import { TaskLog } from './task-log.js';

/** The chosen task of a job run: its attempts, its result, and one attempt's stdout or stderr. */
export function TaskPanel({ runId, task }: { runId: number; task: TaskRun }) {
  const [attemptParam, setAttempt] = useQueryParam('attempt');
  const [streamParam, setStream] = useQueryParam('stream');
  const attempts = task.attempts;
  const latest = attempts[attempts.length - 1];
  const chosen = attempts.find((a) => String(a.attemptNumber) === attemptParam) ?? latest;
  const stream = streamParam === 'stderr' ? 'stderr' : 'stdout';
  const live = chosen !== undefined && (chosen.state === 'RUNNING' || chosen.state === 'QUEUED');

  return (
    <section className="task-panel" aria-labelledby="task-panel-title">
      <h2 id="task-panel-title">
        Task {task.taskKey} <StateBadge state={task.state} />
      </h2>
      {task.stateMessage && <p className="wrap">{task.stateMessage}</p>}
      {attempts.length === 0 ? (
        <p className="muted">No attempt has started{task.nextAttemptTime ? `; the next is due ${formatTime(task.nextAttemptTime)}` : ''}.</p>
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
                <tr key={a.attemptNumber} className={a === chosen ? 'selected-row' : undefined}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-pressed={a === chosen}
                      onClick={() => setAttempt(a === latest ? undefined : String(a.attemptNumber), { replace: true })}
                    >
                      #{a.attemptNumber}
                    </button>
                  </td>
                  <td>
                    <StateBadge state={a.state} />
                  </td>
                  <td>{a.trigger ?? ''}</td>
                  <td>{formatTime(a.startTime)}</td>
                  <td>{a.startTime !== undefined ? formatDuration((a.endTime ?? Date.now()) - a.startTime) : '—'}</td>
                  <td>{a.exitCode ?? a.signal ?? ''}</td>
                  <td className="wrap">{a.stateMessage ?? ''}</td>
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
              <TaskLog runId={runId} taskKey={task.taskKey} attempt={chosen.attemptNumber} stream={stream} live={live} />
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
