import type { Run } from '@modelyard/sdk/client';
import { formatNumber } from '../../lib/format.js';
import type { DataColumn } from '../../lib/run-columns.js';
import { availableKeys, columnId, columnValue, runDisplayName } from '../../lib/run-columns.js';
import { useQueryParam } from '../../lib/search-params.js';

function show(v: string | number | undefined): string {
  return v === undefined ? '—' : typeof v === 'number' ? formatNumber(v) : v;
}

/** Params and latest metrics side by side; rows whose values differ are marked (and can be the only ones shown). */
export function DiffTable({ runs }: { runs: readonly Run[] }) {
  const [all, setAll] = useQueryParam('same');
  const keys = availableKeys(runs);
  const rows: DataColumn[] = [...keys.params.map((key) => ({ kind: 'params' as const, key })), ...keys.metrics.map((key) => ({ kind: 'metrics' as const, key }))];
  const withValues = rows.map((c) => {
    const values = runs.map((r) => columnValue(r, c));
    const differs = new Set(values.map((v) => (v === undefined ? '\u0000' : String(v)))).size > 1;
    return { c, values, differs };
  });
  const shown = all === '1' ? withValues : withValues.filter((r) => r.differs);
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={all === '1'} onChange={(e) => setAll(e.target.checked ? '1' : undefined, { replace: true })} /> Show rows that are the same in every run
      </label>
      <div className="table-scroll">
        <table className="data-table diff-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              {runs.map((r) => (
                <th scope="col" key={r.info.runId}>
                  {runDisplayName(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map(({ c, values, differs }) => (
              <tr key={columnId(c)} className={differs ? 'differs' : undefined}>
                <th scope="row" className="mono">
                  {columnId(c)}
                </th>
                {values.map((v, i) => (
                  <td key={runs[i]!.info.runId} className={c.kind === 'metrics' ? 'num' : 'mono'}>
                    {show(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">{rows.length === 0 ? 'No params or metrics to compare.' : 'Every param and metric is the same in these runs.'}</p>}
    </>
  );
}
