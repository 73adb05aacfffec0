/**
 * MLflow model signatures: column-based inputs (`{"name", "type"}` with MLflow's data types) and
 * tensor-based outputs (`{"type": "tensor", "tensor-spec": {"dtype", "shape"}}`). In the MLmodel
 * file both lists are stored as JSON strings, as MLflow writes them.
 */
export type ColumnType = 'double' | 'float' | 'long' | 'integer' | 'boolean' | 'string' | 'binary' | 'datetime';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required?: boolean;
}

export interface TensorSpec {
  name?: string;
  type: 'tensor';
  'tensor-spec': { dtype: string; shape: number[] };
}

export interface ModelSignature {
  inputs: ColumnSpec[];
  outputs?: Array<ColumnSpec | TensorSpec>;
}

/** Builds a signature from `learn`'s schemas (`pipeline.inputSchema()` / `outputSchema()`). */
export function signatureFromSchemas(
  inputs: ReadonlyArray<{ name: string; type: string }>,
  outputs: ReadonlyArray<{ name: string; type: string; shape: readonly number[] }> = [],
): ModelSignature {
  return {
    inputs: inputs.map((c) => ({ name: c.name, type: c.type as ColumnType })),
    ...(outputs.length > 0
      ? { outputs: outputs.map((o) => ({ name: o.name, type: 'tensor' as const, 'tensor-spec': { dtype: o.type, shape: [...o.shape] } })) }
      : {}),
  };
}

export function signatureToMlmodel(sig: ModelSignature): { inputs: string; outputs?: string } {
  return { inputs: JSON.stringify(sig.inputs), ...(sig.outputs ? { outputs: JSON.stringify(sig.outputs) } : {}) };
}

export function signatureFromMlmodel(raw: unknown): ModelSignature | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as { inputs?: unknown; outputs?: unknown };
  const parse = (v: unknown): unknown[] | undefined => {
    if (typeof v === 'string') return JSON.parse(v) as unknown[];
    return Array.isArray(v) ? v : undefined;
  };
  const inputs = parse(r.inputs);
  if (!inputs) return undefined;
  const outputs = parse(r.outputs);
  return { inputs: inputs as ColumnSpec[], ...(outputs ? { outputs: outputs as ModelSignature['outputs'] } : {}) };
}
