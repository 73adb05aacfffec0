import type { ModelRuntime, ResolveOptions } from '../../runtime/model-runtime.js';
import type { ScoredRows } from './evaluation-metrics.js';
import type { FeatureColumns, ModelLoader, ScoringModel } from './model-scoring.js';

/** The server's model runtime (ONNX or Python) as the evaluate task sees it: load, score a table, release. */
export class RuntimeModelLoader implements ModelLoader {
  constructor(private readonly runtime: Pick<ModelRuntime, 'load'>) {}

  async load(uri: string, opts?: ResolveOptions): Promise<ScoringModel> {
    const model = await this.runtime.load(uri, opts);
    return {
      predict: async (features: FeatureColumns): Promise<ScoredRows> => {
        const columns = new Map<string, unknown[]>(Object.entries(features));
        const rows = columns.size > 0 ? columns.values().next().value!.length : 0;
        const out = await model.predictColumns(columns, rows, { probabilities: true });
        const predictions = out.predictions.map((p, i) => {
          const n = typeof p === 'number' ? p : Number(p);
          if (Number.isNaN(n)) throw new Error(`${uri} predicted '${String(p)}' for row ${i + 1}; metrics need numeric labels or values`);
          return n;
        });
        return { predictions, ...(out.probabilities ? { probabilities: out.probabilities } : {}) };
      },
      close: () => model.close(),
    };
  }
}
