import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DataFrame } from '@modelyard/learn';

/**
 * CSV text with a header row; missing values (NaN, null) are empty cells, which `readCsv` and the
 * pipeline `evaluate` task read back as missing. Numbers use JavaScript's shortest round-trip form,
 * so reading the file gives the same float64 values.
 */
export function formatCsv(frame: DataFrame): string {
  const columns = frame.columnNames.map((name) => frame.column(name));
  const lines = [frame.columnNames.map(quote).join(',')];
  for (let i = 0; i < frame.rowCount; i++) {
    lines.push(
      columns
        .map((c) => {
          const v = c.values[i];
          if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
          return typeof v === 'number' ? String(v) : quote(v);
        })
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function quote(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes the held-out rows (features and target) for a later `evaluate` task; returns the absolute path. */
export async function writeHoldoutCsv(frame: DataFrame, path: string): Promise<string> {
  const absolute = resolve(path);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, formatCsv(frame));
  return absolute;
}
