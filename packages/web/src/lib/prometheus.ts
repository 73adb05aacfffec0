/**
 * Just enough of the Prometheus text format to read the server's serving series: `name{labels}
 * value` samples (HELP/TYPE comments skipped, label values unescaped). The UI derives request rate
 * and latency from the difference of two readings, as Prometheus' rate() would.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(v: string): string {
  return v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!);
    out.push({ name: m[1]!, labels, value: parseValue(m[4]!) });
  }
  return out;
}

/** One endpoint's cumulative serving counters at one moment. */
export interface EndpointCounters {
  at: number;
  requests: number;
  failed: number;
  latencySum: number;
  latencyCount: number;
  /** Cumulative histogram: upper bound (seconds) → observations at or under it. */
  buckets: Map<number, number>;
  /** Requests by the model version that answered them, keyed "name v3". */
  byVersion: Map<string, VersionRequests>;
}

export interface VersionRequests {
  modelName?: string;
  modelVersion?: string;
  requests: number;
}

export const SERVING_PREFIX = 'modelyard_serving_';

export function endpointCounters(samples: readonly Sample[], endpoint: string, at: number): EndpointCounters {
  const c: EndpointCounters = { at, requests: 0, failed: 0, latencySum: 0, latencyCount: 0, buckets: new Map(), byVersion: new Map() };
  for (const s of samples) {
    if (s.labels.endpoint !== endpoint || !s.name.startsWith(SERVING_PREFIX)) continue;
    const metric = s.name.slice(SERVING_PREFIX.length);
    if (metric === 'requests_total') {
      c.requests += s.value;
      if (Number(s.labels.status) >= 400) c.failed += s.value;
      const version = `${s.labels.model_name ?? '?'} v${s.labels.model_version ?? '?'}`;
      const seen = c.byVersion.get(version);
      if (seen) seen.requests += s.value;
      else {
        c.byVersion.set(version, {
          ...(s.labels.model_name !== undefined ? { modelName: s.labels.model_name } : {}),
          ...(s.labels.model_version !== undefined ? { modelVersion: s.labels.model_version } : {}),
          requests: s.value,
        });
      }
    } else if (metric === 'request_duration_seconds_sum') {
      c.latencySum += s.value;
    } else if (metric === 'request_duration_seconds_count') {
      c.latencyCount += s.value;
    } else if (metric === 'request_duration_seconds_bucket') {
      const le = parseValue(s.labels.le ?? '+Inf');
      c.buckets.set(le, (c.buckets.get(le) ?? 0) + s.value);
    }
  }
  return c;
}

export interface ServingRates {
  /** Seconds since the previous reading. */
  seconds: number;
  requestsPerSecond: number;
  errorsPerSecond: number;
  /** Mean latency of the requests in the interval, ms; undefined when there were none. */
  meanMs?: number;
  /** p95 from the histogram's buckets (the bucket's upper bound), ms. */
  p95Ms?: number;
}

/** The upper bound of the bucket holding quantile `q` of the observations between two readings. */
function bucketQuantile(prev: Map<number, number>, next: Map<number, number>, q: number): number | undefined {
  const bounds = [...next.keys()].sort((a, b) => a - b);
  const total = (next.get(Number.POSITIVE_INFINITY) ?? 0) - (prev.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return undefined;
  const target = q * total;
  for (const le of bounds) {
    if ((next.get(le) ?? 0) - (prev.get(le) ?? 0) >= target) return le;
  }
  return undefined;
}

export function servingRates(prev: EndpointCounters, next: EndpointCounters): ServingRates {
  const seconds = Math.max(1e-3, (next.at - prev.at) / 1000);
  // A restarted server starts its counters again from zero: treat the new reading as the delta.
  const reset = next.requests < prev.requests;
  const base = reset ? { ...next, requests: 0, failed: 0, latencySum: 0, latencyCount: 0, buckets: new Map<number, number>() } : prev;
  const count = next.latencyCount - base.latencyCount;
  const out: ServingRates = {
    seconds,
    requestsPerSecond: (next.requests - base.requests) / seconds,
    errorsPerSecond: (next.failed - base.failed) / seconds,
  };
  if (count > 0) {
    out.meanMs = ((next.latencySum - base.latencySum) / count) * 1000;
    const p95 = bucketQuantile(base.buckets, next.buckets, 0.95);
    if (p95 !== undefined) out.p95Ms = p95 * 1000;
  }
  return out;
}
