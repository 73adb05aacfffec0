import { appendFileSync } from 'node:fs';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { percentile } from './stats.js';

/**
 * Preloaded into a benchmarked server process (`--import`, see servers.ts): times every HTTP
 * request inside the server, from node:http handing it over (headers parsed) to the answer's
 * `finish` (handed to the kernel), through node:http's diagnostics channels, so the server's code
 * is not touched. On SIGUSR2 it appends one JSON line to $BENCH_REQUEST_TIMING_FILE with each
 * path's count, mean and median since the last line, and starts over.
 *
 * Why: one waiting client's throughput swings ±20 % between rounds on a shared machine, because
 * it also pays the client and the kernel's wake-ups; the time inside the server is the part the
 * server's code decides, and moves far less.
 */
const file = process.env.BENCH_REQUEST_TIMING_FILE;
if (file) {
  const started = new WeakMap<IncomingMessage, bigint>();
  let durations = new Map<string, number[]>();
  let seq = 0;
  subscribe('http.server.request.start', (m) => {
    started.set((m as { request: IncomingMessage }).request, process.hrtime.bigint());
  });
  subscribe('http.server.response.finish', (m) => {
    const req = (m as { request: IncomingMessage }).request;
    const t0 = started.get(req);
    if (t0 === undefined) return;
    const path = (req.url ?? '').split('?')[0]!;
    let list = durations.get(path);
    if (!list) durations.set(path, (list = []));
    list.push(Number(process.hrtime.bigint() - t0) / 1000);
  });
  process.on('SIGUSR2', () => {
    const byPath: Record<string, RequestTiming> = {};
    for (const [path, list] of durations) {
      list.sort((a, b) => a - b);
      byPath[path] = { count: list.length, meanUs: list.reduce((a, b) => a + b, 0) / list.length, p50Us: percentile(list, 50) };
    }
    durations = new Map();
    appendFileSync(file, `${JSON.stringify({ seq: ++seq, byPath })}\n`);
  });
}

export interface RequestTiming {
  count: number;
  meanUs: number;
  p50Us: number;
}
