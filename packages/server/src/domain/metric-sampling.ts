/**
 * Which steps a chart of several runs' metric gets (MLflow's get-history-bulk-interval): at most
 * `maxResults` steps spread evenly over the distinct steps inside [start, end], plus the first and
 * last step of every run so each line reaches its true ends. `runSteps` are each run's sorted
 * distinct steps.
 */
export function sampleSteps(runSteps: number[][], maxResults: number, range?: { start: number; end: number }): number[] {
  const all = [...new Set(runSteps.flat())].sort((a, b) => a - b);
  const start = range?.start ?? 0;
  const end = range?.end ?? (all.length > 0 ? all[all.length - 1]! : 0);
  const inRange = all.filter((s) => s >= start && s <= end);
  const picked = new Set<number>();
  if (inRange.length <= maxResults) {
    for (const s of inRange) picked.add(s);
  } else {
    const interval = inRange.length / maxResults;
    for (let i = 0; i < maxResults; i++) picked.add(inRange[Math.floor(i * interval)]!);
    picked.add(inRange[inRange.length - 1]!);
  }
  for (const steps of runSteps) {
    if (steps.length === 0) continue;
    for (const s of [steps[0]!, steps[steps.length - 1]!]) if (s >= start && s <= end) picked.add(s);
  }
  return [...picked].sort((a, b) => a - b);
}
