/** MLflow model signatures (the `signature` of an MLmodel file) as tables. */

export interface ColumnSpec {
  name?: string;
  type?: string;
  /** MLflow spells this key with a hyphen in the signature JSON. */
  'tensor-spec'?: { dtype?: string; shape?: number[] };
  required?: boolean;
}

/** A signature's `inputs` / `outputs`: a JSON string holding a list of column specs. */
export function parseSpec(json: unknown): ColumnSpec[] | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as ColumnSpec[]) : undefined;
  } catch {
    return undefined;
  }
}

export function SpecTable({ title, spec }: { title: string; spec: ColumnSpec[] }) {
  return (
    <table className="data-table">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
        </tr>
      </thead>
      <tbody>
        {spec.map((c, i) => (
          <tr key={i}>
            <td className="mono">{c.name ?? `#${i}`}</td>
            <td className="mono">{c.type === 'tensor' && c['tensor-spec'] ? `tensor ${c['tensor-spec'].dtype ?? ''} [${(c['tensor-spec'].shape ?? []).join(', ')}]` : (c.type ?? '')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Both halves of a signature, or a note that there is none. */
export function SignatureTables({ signature }: { signature: { inputs?: unknown; outputs?: unknown } | undefined }) {
  const inputs = parseSpec(signature?.inputs);
  const outputs = parseSpec(signature?.outputs);
  if (!inputs && !outputs) return <p className="muted">No signature.</p>;
  return (
    <div className="signature">
      {inputs && <SpecTable title="Signature inputs" spec={inputs} />}
      {outputs && <SpecTable title="Signature outputs" spec={outputs} />}
    </div>
  );
}
