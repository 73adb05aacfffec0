import { useMemo } from 'react';
import { layoutDag } from '../../lib/dag-layout.js';
import { stateClass } from './job-links.js';

export interface DagTask {
  key: string;
  dependsOn: readonly string[];
  /** Task run state; undefined for a job definition (no run). */
  state?: string;
  /** Shown under the name: a duration, the attempt count… */
  detail?: string;
}

const NODE_W = 176;
const NODE_H = 48;
const GAP_X = 64;
const GAP_Y = 20;
const PAD = 8;

/**
 * The task graph, left to right, each node coloured by its state. Nodes are buttons over an SVG of
 * the edges: reachable with Tab, chosen with Enter, and named with their state for screen readers.
 */
export function DagView({ tasks, selected, onSelect, label }: { tasks: readonly DagTask[]; selected?: string; onSelect?: (key: string) => void; label: string }) {
  const layout = useMemo(() => layoutDag(tasks.map((t) => ({ key: t.key, dependsOn: t.dependsOn }))), [tasks]);
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const pos = new Map(layout.nodes.map((n) => [n.key, { x: PAD + n.column * (NODE_W + GAP_X), y: PAD + n.row * (NODE_H + GAP_Y) }]));
  const width = PAD * 2 + Math.max(1, layout.columns) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, layout.rows) * (NODE_H + GAP_Y) - GAP_Y;

  return (
    <div className="dag-scroll">
      <div className="dag" role="group" aria-label={label} style={{ width, height }}>
        <svg className="dag-edges" width={width} height={height} aria-hidden="true">
          <defs>
            <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="dag-arrow" />
            </marker>
          </defs>
          {layout.edges.map((e) => {
            const a = pos.get(e.from)!;
            const b = pos.get(e.to)!;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x - 2;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return <path key={`${e.from}->${e.to}`} className="dag-edge" d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} markerEnd="url(#dag-arrow)" />;
          })}
        </svg>
        {layout.nodes.map((n) => {
          const t = byKey.get(n.key)!;
          const p = pos.get(n.key)!;
          const name = t.state ? `${t.key}: ${t.state}` : t.key;
          return (
            <button
              key={n.key}
              type="button"
              className={`dag-node ${t.state ? stateClass(t.state) : 'state-definition'}${selected === n.key ? ' selected' : ''}`}
              style={{ left: p.x, top: p.y, width: NODE_W, height: NODE_H }}
              data-task={t.key}
              data-state={t.state ?? ''}
              aria-pressed={onSelect ? selected === n.key : undefined}
              aria-label={name}
              title={name}
              onClick={onSelect ? () => onSelect(n.key) : undefined}
              disabled={!onSelect}
            >
              <span className="dag-node-name">{t.key}</span>
              <span className="dag-node-detail">{[t.state, t.detail].filter(Boolean).join(' · ')}</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
