import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UplotChartProps {
  /** Built by the caller; a new object re-creates the chart (series, scales, theme changed). */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  /** Accessible name of the chart. */
  label: string;
  /** When set, a performance mark `<name>` is recorded after each draw (read by bench/ui). */
  perfMark?: string;
}

function countPoints(data: uPlot.AlignedData): number {
  let n = 0;
  for (let s = 1; s < data.length; s++) {
    const ys = data[s]!;
    for (let i = 0; i < ys.length; i++) if (ys[i] !== null && ys[i] !== undefined) n++;
  }
  return n;
}

/**
 * uPlot in a resizable box. uPlot draws straight onto a canvas, which keeps a 100,000-point
 * series well under a frame budget; React only owns the box.
 */
export function UplotChart({ options, data, height, label, perfMark }: UplotChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const onDraw = (u: uPlot) => {
      box.dataset.points = String(countPoints(u.data));
      box.dataset.drawn = 'true';
      if (perfMark) performance.mark(perfMark, { detail: { points: box.dataset.points } });
    };
    const plot = new uPlot(
      {
        ...options,
        width: Math.max(200, box.clientWidth),
        height,
        hooks: { ...options.hooks, draw: [...(options.hooks?.draw ?? []), onDraw] },
      },
      dataRef.current,
      box,
    );
    plotRef.current = plot;
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, box.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [options, height, perfMark]);

  useEffect(() => {
    const plot = plotRef.current;
    if (plot && plot.data !== data) plot.setData(data);
  }, [data]);

  return <div ref={boxRef} className="uplot-box" role="img" aria-label={label} data-drawn="false" />;
}
