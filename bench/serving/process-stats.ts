import type { Server } from 'node:http';
import { PerformanceObserver, constants, createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram, RecordableHistogram } from 'node:perf_hooks';

// 10 ms, as prom-client's nodejs_eventloop_lag: a 1 ms timer would itself wake the server 1,000 times a second.
const LOOP_RESOLUTION_MS = 10;

/** What the server process did over a measured window: the figures that explain a latency tail. */
export interface ProcessStats {
  /** Event-loop delay (how late a 10 ms timer fired), ms: a blocked loop delays every request in it. */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  gcCount: number;
  /** Mark-compact (major) collections; they stop the loop for milliseconds, scavenges for ~0.1–1 ms. */
  gcMajorCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** CPU time, ms, and the times the kernel took the CPU away (another process wanted it). */
  cpuMs: number;
  involuntaryContextSwitches: number;
  /** Per tracked server: from its 'request' event (headers parsed) to the response handed to the kernel, ms. */
  servers: Record<string, { requests: number; p50Ms: number; p99Ms: number; maxMs: number }>;
}

/** Collects ProcessStats in this process; `reset()` starts a window, `read()` ends it. */
export class ProcessStatsRecorder {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcCount++;
      this.gcTotalMs += e.duration;
      this.gcMaxMs = Math.max(this.gcMaxMs, e.duration);
      if ((e.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.gcMajorCount++;
    }
  });
  private gcCount = 0;
  private gcMajorCount = 0;
  private gcTotalMs = 0;
  private gcMaxMs = 0;
  private usage = process.resourceUsage();
  private readonly servers = new Map<string, RecordableHistogram>();

  constructor() {
    this.loop.enable();
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Records the in-process latency of every request `server` answers, under `name`. */
  track(name: string, server: Server): void {
    const h = createHistogram();
    this.servers.set(name, h);
    server.prependListener('request', (_req, res) => {
      const start = process.hrtime.bigint();
      res.once('finish', () => h.record(Math.max(1, Number(process.hrtime.bigint() - start))));
    });
  }

  reset(): void {
    for (const h of this.servers.values()) h.reset();
    this.loop.reset();
    this.gcCount = this.gcMajorCount = this.gcTotalMs = this.gcMaxMs = 0;
    this.usage = process.resourceUsage();
  }

  read(): ProcessStats {
    const now = process.resourceUsage();
    // The histogram holds whole timer periods (1 ms plus the lateness); the lateness is the figure.
    const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    return {
      loopP50Ms: late(this.loop.percentile(50)),
      loopP99Ms: late(this.loop.percentile(99)),
      loopMaxMs: late(this.loop.max),
      gcCount: this.gcCount,
      gcMajorCount: this.gcMajorCount,
      gcTotalMs: this.gcTotalMs,
      gcMaxMs: this.gcMaxMs,
      cpuMs: (now.userCPUTime + now.systemCPUTime - this.usage.userCPUTime - this.usage.systemCPUTime) / 1000,
      involuntaryContextSwitches: now.involuntaryContextSwitches - this.usage.involuntaryContextSwitches,
      servers: Object.fromEntries(
        [...this.servers].map(([name, h]) => [name, { requests: h.count, p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 }]),
      ),
    };
  }

  stop(): void {
    this.loop.disable();
    this.gc.disconnect();
  }
}
