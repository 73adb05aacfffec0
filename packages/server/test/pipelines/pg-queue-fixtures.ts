import { inject } from 'vitest';
import { createTestDatabase, POSTGRES_PROVIDE_KEY } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';

/** Small node programs the queue tests run as real task processes (in the project folder). */
export const QUEUE_TASK_SCRIPTS: Record<string, string> = {
  'hello.js': `console.log('hello from ' + process.env.MODELYARD_WORKER_ID + ' attempt ' + process.env.MODELYARD_ATTEMPT_ID);`,
  'fail.js': `console.log('working'); console.error('something broke: bad input'); process.exit(3);`,
  // Writes its pid to argv[2], then sleeps 60 s.
  'sleep.js': `require('node:fs').writeFileSync(process.argv[2], String(process.pid)); setTimeout(() => {}, 60000);`,
  // Appends one line to argv[2], after argv[3] ms.
  'append.js': `setTimeout(() => require('node:fs').appendFileSync(process.argv[2], 'ran\\n'), Number(process.argv[3] || 0));`,
};

/** A fresh database of the test run's PostgreSQL cluster (pg-boss makes its `pgboss` schema in it). */
export async function queueDatabase(label: string): Promise<TestDatabase> {
  const pg = inject(POSTGRES_PROVIDE_KEY);
  if (!pg || 'unavailable' in pg) throw new Error('PostgreSQL is not available in this test run');
  return createTestDatabase(pg.adminUrl, label);
}

export async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
