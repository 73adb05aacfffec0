import type { TaskRun } from '@modelyard/sdk/client';
import { formatDuration } from '../../lib/format.js';
import { stateClass } from './job-links.js';

function niceStep(totalMs: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
  return steps.find((s) => totalMs / s <= 8) ?? steps[steps.length - 1]!;
}

/**
 * Task durations on one time axis from the run's start: one row per task, one bar per attempt
 * (retries and repairs show as separate bars), running attempts drawn up to now.
 */
export function GanttChart({ tasks, runStart, now, onSelect }: { tasks: readonly TaskRun[]; runStart: number | undefined; now: number; onSelect?: (taskKey: string) => void }) {
  const attempts = tasks.flatMap((t) => t.attempts.filter((a) => a.startTime !== undefined).map((a) => ({ task: t.taskKey, a })));
  if (attempts.length === 0) return <p className="muted">No task has started yet.</p>;
  const start = Math.min(runStart ?? Number.POSITIVE_INFINITY, ...attempts.map((x) => x.a.startTime!));
  const end = Math.max(...attempts.map((x) => x.a.endTime ?? now), start + 1);
  const total = end - start;
  const step = niceStep(total);
  const ticks: number[] = [];
  for (let t = 0; t <= total; t += step) ticks.push(t);
  const pct = (ms: number) => `${(ms / total) * 100}%`;

  return (
    <div className="gantt" role="table" aria-label="Task durations">
      <div className="gantt-row gantt-axis" role="row">
        <span className="gantt-label" role="columnheader">
          Task
        </span>
        <div className="gantt-track" role="columnheader" aria-label="Time since the run started">
          {ticks.map((t) => (
            <span key={t} className="gantt-tick" style={{ left: pct(t) }}>
              {formatDuration(t)}
            </span>
          ))}
        </div>
        <span className="gantt-total" role="columnheader">
          Duration
        </span>
      </div>
      {tasks.map((t) => {
        const own = t.attempts.filter((a) => a.startTime !== undefined);
        const duration = t.startTime !== undefined ? (t.endTime ?? now) - t.startTime : undefined;
        return (
          <div key={t.taskKey} className="gantt-row" role="row" data-task={t.taskKey}>
            <span className="gantt-label" role="rowheader">
              {onSelect ? (
                <button type="button" className="link-button" onClick={() => onSelect(t.taskKey)}>
                  {t.taskKey}
                </button>
              ) : (
                t.taskKey
              )}
            </span>
            <div className="gantt-track" role="cell">
              {ticks.map((tick) => (
                <span key={tick} className="gantt-grid" style={{ left: pct(tick) }} />
              ))}
              {own.map((a) => {
                const s = a.startTime! - start;
                const e = (a.endTime ?? now) - start;
                const label = `${t.taskKey} attempt ${a.attemptNumber}: ${a.state}, ${formatDuration(e - s)}`;
                return <span key={a.attemptNumber} className={`gantt-bar ${stateClass(a.state)}`} style={{ left: pct(s), width: `max(2px, ${pct(e - s)})` }} title={label} aria-label={label} />;
              })}
            </div>
            <span className="gantt-total num" role="cell">
              {formatDuration(duration)}
            </span>
          </div>
        );
      })}
    </div>
  );
}
