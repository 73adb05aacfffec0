import type { Client, JobRunState } from '@modelyard/sdk';

const TERMINAL = new Set<JobRunState>(['SUCCESS', 'SUCCESS_WITH_FAILURES', 'FAILED', 'TIMEDOUT', 'CANCELED', 'SKIPPED']);
const clock = (t: number) => new Date(t).toISOString().slice(11, 19);

/**
 * Prints every task state change of a job run until it ends, reading it from the server that
 * runs it. Ctrl-C asks the server to cancel the run (a second Ctrl-C leaves at once; the run goes
 * on being canceled there). `settled` waits for a local runner to finish writing (store mode).
 */
export async function followJobRun(client: Client, jobRunId: number, settled: (id: number) => Promise<void> = async () => {}): Promise<JobRunState> {
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    process.stderr.write('canceling the job run (Ctrl-C again to leave now)…\n');
    void client.jobs.cancelRun(jobRunId).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  const seen = new Map<string, string>();
  try {
    for (;;) {
      const run = await client.jobs.getRun(jobRunId);
      for (const t of run.tasks) {
        const attempt = t.attempts.at(-1);
        const line = `${t.state}${attempt ? ` (attempt ${attempt.attemptNumber})` : ''}${t.stateMessage ? `: ${t.stateMessage}` : ''}`;
        if (seen.get(t.taskKey) === line || t.state === 'PENDING') continue;
        seen.set(t.taskKey, line);
        process.stdout.write(`${clock(Date.now())}  ${t.taskKey.padEnd(20)} ${line}\n`);
      }
      if (TERMINAL.has(run.state)) {
        await settled(jobRunId);
        const took = run.startTime && run.endTime ? ` in ${((run.endTime - run.startTime) / 1000).toFixed(1)}s` : '';
        process.stdout.write(`job run ${jobRunId} ${run.state}${took}${run.stateMessage ? `: ${run.stateMessage}` : ''}\n`);
        if (run.mlflowRunId) process.stdout.write(`MLflow run ${run.mlflowRunId} (experiment ${run.mlflowExperimentId})\n`);
        return run.state;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function exitCodeOf(state: JobRunState): number {
  return state === 'SUCCESS' || state === 'SUCCESS_WITH_FAILURES' ? 0 : 1;
}
