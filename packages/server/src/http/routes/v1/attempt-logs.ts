import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { int64 } from '@modelyard/contract';
import { InvalidParameterError } from '../../../errors.js';
import type { AttemptLogReceiver } from '../../../services/pipelines/attempt-log-receiver.js';
import { validate } from '../../mlflow-route.js';

/**
 * `POST /api/v1/jobs/runs/attempt-logs`: a queue worker on another machine appends what a task
 * attempt printed (services/pipelines/attempt-log-receiver.ts). `data` is base64, as in DBFS's
 * `add-block`, because task output need not be UTF-8 and offsets count bytes.
 */
const AppendLog = z
  .object({
    run_id: int64(),
    task_key: z.string().min(1).max(200),
    attempt_number: int64(),
    stream: z.enum(['stdout', 'stderr']),
    offset: int64(),
    data: z.string(),
  })
  .strict();

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function registerAttemptLogRoutes(app: FastifyInstance, receiver: AttemptLogReceiver): void {
  app.post('/api/v1/jobs/runs/attempt-logs', async (req) => {
    const m = validate(AppendLog, req.body ?? {});
    if (m.data.length % 4 !== 0 || !BASE64.test(m.data)) throw new InvalidParameterError('data must be base64 (standard alphabet, padded)');
    const r = await receiver.append({ jobRunId: m.run_id, taskKey: m.task_key, attemptNumber: m.attempt_number, stream: m.stream, offset: m.offset, data: Buffer.from(m.data, 'base64') });
    return { next_offset: r.nextOffset };
  });
}
