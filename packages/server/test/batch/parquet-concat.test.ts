import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParquetPartConcatenator } from '../../src/batch/parquet-concat.js';
import { ThriftReader, ThriftWriter } from '../../src/batch/thrift-compact.js';
import { duck } from './batch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'modelyard-parquet-concat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A part as DuckDB writes them: several row groups, a dictionary-encoded text column, NULLs, stats. */
async function part(name: string, from: number, rows: number): Promise<string> {
  const path = join(dir, name);
  await duck(
    `COPY (SELECT i AS id, i * 0.5 AS half, CASE WHEN i % 7 = 0 THEN NULL ELSE 'label-' || (i % 3) END AS label FROM range(${from}, ${from + rows}) t(i)) ` +
      `TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
  );
  return path;
}

describe('ParquetPartConcatenator', () => {
  it('re-encodes a footer byte for byte', async () => {
    const bytes = readFileSync(await part('roundtrip.parquet', 0, 5000));
    const length = bytes.readUInt32LE(bytes.length - 8);
    const footer = bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
    expect(Buffer.from(new ThriftWriter().writeStruct(new ThriftReader(footer).readStruct()).bytes()).equals(footer)).toBe(true);
  });

  it('concatenates parts into one file readers see as all their rows, in order, with working statistics', async () => {
    const out = join(dir, 'merged.parquet');
    const concat = new ParquetPartConcatenator(out);
    await concat.append(await part('a.parquet', 0, 5000));
    await concat.append(await part('b.parquet', 5000, 300));
    await concat.append(await part('c.parquet', 5300, 4700));
    await concat.close();
    const [summary] = await duck<{ n: bigint; ordered: boolean; nulls: bigint; half: number }>(
      `SELECT count(*) AS n, bool_and(id = rn - 1) AS ordered, count(*) FILTER (label IS NULL) AS nulls, sum(half) AS half ` +
        `FROM (SELECT *, row_number() OVER () AS rn FROM '${out}')`,
    );
    expect(Number(summary!.n)).toBe(10_000);
    expect(summary!.ordered).toBe(true);
    expect(Number(summary!.nulls)).toBe(Math.ceil(10_000 / 7));
    expect(summary!.half).toBe((9_999 * 10_000) / 4);
    const groups = await duck<{ row_group_id: bigint; stats_min: string }>(`SELECT row_group_id, stats_min FROM parquet_metadata('${out}') WHERE path_in_schema = 'id' ORDER BY row_group_id`);
    expect(groups.map((g) => Number(g.row_group_id))).toEqual(groups.map((_, i) => i));
    expect(groups.map((g) => Number(g.stats_min))).toContain(5000);
    // Row-group statistics still prune: a filter on the last part's ids reads the right rows.
    expect(await duck(`SELECT id, label FROM '${out}' WHERE id BETWEEN 9998 AND 10005`)).toEqual([
      { id: 9998n, label: 'label-2' },
      { id: 9999n, label: 'label-0' },
    ]);
  });

  it('refuses parts whose schemas differ', async () => {
    const concat = new ParquetPartConcatenator(join(dir, 'mixed.parquet'));
    await concat.append(await part('x.parquet', 0, 10));
    const other = join(dir, 'y.parquet');
    await duck(`COPY (SELECT 1 AS something_else) TO '${other}' (FORMAT parquet)`);
    await expect(concat.append(other)).rejects.toThrow(/different schema/);
    concat.destroy();
  });
});
