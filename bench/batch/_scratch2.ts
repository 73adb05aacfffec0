import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await inst.connect();
const cols = ['Pregnancies','Glucose','BloodPressure','SkinThickness','Insulin','BMI','DiabetesPedigreeFunction','Age'];
const csvV = `read_csv(['/tmp/batchx/1m.csv'], header=true, types={${cols.map(n=>`'${n}':'VARCHAR'`).join(',')}})`;
const csv = `read_csv(['/tmp/batchx/1m.csv'], header=true)`;
const sel = (src: string) => `SELECT ${cols.map(n => `TRY_CAST(${n} AS DOUBLE) AS ${n}`).join(', ')} FROM ${src}`;
const time = async (label: string, f: () => Promise<unknown>) => { const t = performance.now(); await f(); console.log(label, (performance.now() - t).toFixed(0), 'ms'); };
await time('agg csv varchar+cast', () => c.run(`SELECT sum(Glucose+BMI+Age) FROM (${sel(csvV)})`));
await time('agg csv typed', () => c.run(`SELECT sum(Glucose+BMI+Age) FROM (${sel(csv)})`));
for (const [label, src] of [['csvV', csvV], ['csv', csv], ['pq', `read_parquet('/tmp/batchx/1m.parquet')`]]) {
  await time(`stream-nofetchloop ${label}`, async () => { const r = await c.stream(sel(src)); for (;;) { const ch = await r.fetchChunk(); if (!ch || ch.rowCount === 0) break; } });
  await time(`stream+getItem ${label}`, async () => { const r = await c.stream(sel(src)); let s = 0; for (;;) { const ch = await r.fetchChunk(); if (!ch || ch.rowCount === 0) break; for (let j = 0; j < 8; j++) { const v = ch.getColumnVector(j); for (let i = 0; i < ch.rowCount; i++) s += (v.getItem(i) as number) ?? 0; } } });
}
