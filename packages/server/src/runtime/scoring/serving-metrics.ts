import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Labels every serving series carries: which endpoint, which served model, which version. */
export interface ServingLabels {
  endpoint: string;
  modelName: string;
  modelVersion: string;
}

interface LabelledSeries {
  requests: Map<string, ReturnType<Counter<string>['labels']>>;
  latency: ReturnType<Histogram<string>['labels']>;
  rows: ReturnType<Counter<string>['labels']>;
}

/**
 * Prometheus metrics of the scoring paths, in a registry of their own (no global state: two
 * apps in one process, as in tests, keep separate counts). Children are cached per label set
 * because resolving labels on every request is measurable at serving rates.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly latency: Histogram<string>;
  private readonly rows: Counter<string>;
  private readonly series = new Map<string, LabelledSeries>();

  constructor(opts: { defaultMetrics?: boolean; prefix?: string } = {}) {
    const prefix = opts.prefix ?? 'modelyard_serving_';
    const labelNames = ['endpoint', 'model_name', 'model_version'];
    this.requests = new Counter({ name: `${prefix}requests_total`, help: 'Scoring requests answered, by HTTP status', labelNames: [...labelNames, 'status'], registers: [this.registry] });
    this.errors = new Counter({ name: `${prefix}errors_total`, help: 'Scoring requests that failed, by MLflow error code', labelNames: [...labelNames, 'error_code'], registers: [this.registry] });
    this.latency = new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from request body received to response ready',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.rows = new Counter({ name: `${prefix}rows_total`, help: 'Rows scored', labelNames, registers: [this.registry] });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Records one answered request. `rows` is 0 for a failed one. */
  observe(labels: ServingLabels, status: number, seconds: number, rows: number, errorCode?: string): void {
    const s = this.seriesFor(labels);
    let counter = s.requests.get(String(status));
    if (!counter) {
      counter = this.requests.labels(labels.endpoint, labels.modelName, labels.modelVersion, String(status));
      s.requests.set(String(status), counter);
    }
    counter.inc();
    s.latency.observe(seconds);
    if (rows > 0) s.rows.inc(rows);
    if (errorCode) this.errors.labels(labels.endpoint, labels.modelName, labels.modelVersion, errorCode).inc();
  }

  /** The exposition text and its content type, for a `/metrics` route. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private seriesFor(labels: ServingLabels): LabelledSeries {
    const key = `${labels.endpoint}\u0000${labels.modelName}\u0000${labels.modelVersion}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        requests: new Map(),
        latency: this.latency.labels(labels.endpoint, labels.modelName, labels.modelVersion),
        rows: this.rows.labels(labels.endpoint, labels.modelName, labels.modelVersion),
      };
      this.series.set(key, s);
    }
    return s;
  }
}
