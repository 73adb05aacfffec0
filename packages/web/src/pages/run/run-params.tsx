import { useState } from 'react';
import type { Run } from '@modelyard/sdk/client';

export function RunParams({ run }: { run: Run }) {
  const [q, setQ] = useState('');
  const params = Object.entries(run.data.params)
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const shown = q ? params.filter((p) => p.key.toLowerCase().includes(q.toLowerCase()) || p.value.toLowerCase().includes(q.toLowerCase())) : params;
  if (params.length === 0) return <p className="muted">No parameters were logged for this run.</p>;
  return (
    <>
      <label className="inline-field">
        Find a parameter <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={p.key}>
              <td className="mono">{p.key}</td>
              <td className="mono wrap">{p.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
