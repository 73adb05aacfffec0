/** Small node programs the pipeline tests run as real task processes. */
export const TASK_SCRIPTS: Record<string, string> = {
  // Appends what the task saw to events.jsonl, then sleeps argv[2] ms.
  'record.js': `
    const fs = require('node:fs');
    const e = process.env;
    const event = { task: e.MODELYARD_TASK_KEY, attempt: Number(e.MODELYARD_ATTEMPT_NUMBER), runId: e.MLFLOW_RUN_ID,
      experimentId: e.MLFLOW_EXPERIMENT_ID, trackingUri: e.MLFLOW_TRACKING_URI, jobRunId: e.MODELYARD_JOB_RUN_ID,
      alpha: e.MODELYARD_PARAM_ALPHA, args: process.argv.slice(3), start: Date.now() };
    setTimeout(() => {
      event.end = Date.now();
      fs.appendFileSync('events.jsonl', JSON.stringify(event) + '\\n');
      console.log('done ' + event.task);
    }, Number(process.argv[2] || 0));`,
  // Fails (exit 2) until the attempt number reaches argv[2].
  'flaky.js': `
    const attempt = Number(process.env.MODELYARD_ATTEMPT_NUMBER);
    require('node:fs').appendFileSync('flaky.jsonl', JSON.stringify({ attempt, at: Date.now() }) + '\\n');
    if (attempt < Number(process.argv[2])) { console.error('flaky failure on attempt ' + attempt); process.exit(2); }`,
  // Starts a grandchild, writes both pids to argv[2], ignores SIGTERM and waits forever.
  'spawn-tree.js': `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    require('node:fs').writeFileSync(process.argv[2], JSON.stringify({ parent: process.pid, child: child.pid }));
    process.on('SIGTERM', () => {});
    setInterval(() => {}, 1000);`,
  // Fails unless the file argv[2] exists.
  'needs-file.js': `
    if (!require('node:fs').existsSync(process.argv[2])) { console.error('missing ' + process.argv[2]); process.exit(1); }
    console.log('found ' + process.argv[2]);`,
};
