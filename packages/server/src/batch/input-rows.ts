/** Most ranges named before the rest is summed up: a message names rows, it does not list a file. */
const MAX_RANGES = 8;

/**
 * The input rows (1-based, as the rejects file's `input_row` counts them) of the model rows
 * `first`..`first + count - 1` of a batch. A batch feeds the model its accepted rows only, so
 * the rejected rows between them are skipped: `input rows 4097–4110, 4112–6144`.
 */
export function describeInputRows(rejected: readonly Uint8Array[], batchStart: number, first: number, count: number): string {
  const ranges: Array<[number, number]> = [];
  let accepted = 0;
  let position = batchStart;
  for (const chunk of rejected) {
    for (let i = 0; i < chunk.length; i++) {
      position++;
      if (chunk[i]) continue;
      if (accepted >= first && accepted < first + count) {
        const last = ranges[ranges.length - 1];
        if (last && last[1] === position - 1) last[1] = position;
        else ranges.push([position, position]);
      }
      accepted++;
    }
  }
  const named = ranges.slice(0, MAX_RANGES).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
  if (ranges.length > MAX_RANGES) named.push(`and ${ranges.length - MAX_RANGES} more ranges up to ${ranges[ranges.length - 1]![1]}`);
  return `input ${ranges.length === 1 && ranges[0]![0] === ranges[0]![1] ? 'row' : 'rows'} ${named.join(', ')}`;
}
