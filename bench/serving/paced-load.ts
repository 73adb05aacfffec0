import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile } from '../lib/stats.js';

export interface PacedLoad {
  url: string;
  body: string;
  /** Requests per second, sent at evenly spaced moments whatever the answers do (an open loop). */
  rate: number;
  seconds: number;
  /** Keep-alive connections the requests spread over (default 32: well above rate × latency). */
  connections?: number;
}

export interface PacedResult {
  sent: number;
  answered: number;
  failed: number;
  perSecond: number;
  /** From the moment the request was handed to the socket pool to the last byte of the answer. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** From the moment the schedule said to send: also counts the generator's own lateness. */
  scheduledP99Ms: number;
  /** This (the load generator's) process: event-loop delay p99, ms; when high, the client is the tail. */
  generatorLoopP99Ms: number;
}

/**
 * A constant-rate load generator. autocannon's `overallRate` is not one: every connection sends
 * its whole per-second quota back to back at the start of each second and then waits, so "1,000
 * req/s" is a saturating burst for ~1/8 s, and its coordinated-omission correction uses an expected
 * interval of ceil(1 / rate) = 1 ms, adding a phantom sample for every millisecond of every slow
 * answer. Here request i leaves at t0 + i / rate (a 1 ms ticker sends whatever is due), latency is
 * measured with sub-millisecond resolution, and both send-to-answer and schedule-to-answer are kept.
 */
export async function pacedLoad(l: PacedLoad): Promise<PacedResult> {
  const target = new URL(l.url);
  const agent = new Agent({ keepAlive: true, maxSockets: l.connections ?? 32 });
  const total = Math.round(l.rate * l.seconds);
  const fromSend = new Float64Array(total);
  const fromSchedule = new Float64Array(total);
  const body = Buffer.from(l.body);
  let sent = 0;
  let answered = 0;
  let failed = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now() + 5;
  const intervalMs = 1000 / l.rate;

  await new Promise<void>((done) => {
    const settle = () => {
      if (answered + failed === total) done();
    };
    const send = (i: number) => {
      const scheduled = t0 + i * intervalMs;
      const start = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            const end = performance.now();
            if (res.statusCode === 200) {
              fromSend[answered] = end - start;
              fromSchedule[answered] = end - scheduled;
              answered++;
            } else failed++;
            settle();
          });
        },
      );
      req.on('error', () => {
        failed++;
        settle();
      });
      req.end(body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const elapsedS = (performance.now() - t0) / 1000;
  loop.disable();
  agent.destroy();
  const lat = Array.from(fromSend.subarray(0, answered)).sort((a, b) => a - b);
  const sched = Array.from(fromSchedule.subarray(0, answered)).sort((a, b) => a - b);
  return {
    sent,
    answered,
    failed,
    perSecond: answered / elapsedS,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    p999Ms: percentile(lat, 99.9),
    maxMs: lat[lat.length - 1] ?? Number.NaN,
    scheduledP99Ms: percentile(sched, 99),
    // Whole 1 ms timer periods are recorded; the lateness beyond them is the figure.
    generatorLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1),
  };
}
