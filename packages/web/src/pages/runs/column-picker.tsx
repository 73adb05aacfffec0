import type { AvailableKeys, ColumnKind, DataColumn } from '../../lib/run-columns.js';
import { columnId } from '../../lib/run-columns.js';

const GROUPS: Array<{ kind: ColumnKind; title: string }> = [
  { kind: 'metrics', title: 'Metrics' },
  { kind: 'params', title: 'Parameters' },
  { kind: 'tags', title: 'Tags' },
];

/** Which metric/param/tag columns the runs table shows; the choice lives in the URL. */
export function ColumnPicker({ available, chosen, onChange }: { available: AvailableKeys; chosen: DataColumn[]; onChange: (cols: DataColumn[]) => void }) {
  const chosenIds = new Set(chosen.map(columnId));
  const toggle = (c: DataColumn) => {
    const id = columnId(c);
    onChange(chosenIds.has(id) ? chosen.filter((x) => columnId(x) !== id) : [...chosen, c]);
  };
  return (
    <details className="column-picker">
      <summary>Columns ({chosen.length})</summary>
      <div className="column-picker-body">
        {GROUPS.map((g) => (
          <fieldset key={g.kind}>
            <legend>{g.title}</legend>
            {available[g.kind].length === 0 && <p className="muted">none logged</p>}
            {available[g.kind].map((key) => {
              const c = { kind: g.kind, key };
              return (
                <label key={key} className="check">
                  <input type="checkbox" checked={chosenIds.has(columnId(c))} onChange={() => toggle(c)} />
                  {key}
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
    </details>
  );
}
