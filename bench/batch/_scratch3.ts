import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
rmSync('/tmp/batchx/w.duckdb', { force: true }); rmSync('/tmp/batchx/w.duckdb.wal', { force: true });
const inst = await DuckDBInstance.create('/tmp/batchx/w.duckdb', { threads: '2', memory_limit: '256MB', temp_directory: '/tmp/batchx/tmpd' });
const c = await inst.connect();
const N = Number(process.argv[2] ?? 10_000_000);
const src = `read_csv('/tmp/batchx/10m.csv', header=true)`;
const t0 = performance.now();
if (!(await import('node:fs')).existsSync('/tmp/batchx/10m.csv')) {
  const cols = ['Pregnancies','Glucose','BloodPressure','SkinThickness','Insulin','BMI','DiabetesPedigreeFunction','Age'];
  await c.run(`COPY (SELECT i AS id, ${cols.map((n, j) => `round(random()*${[15,200,120,60,500,60,2,80][j]}, 3) AS ${n}`).join(', ')} FROM range(${N}) t(i)) TO '/tmp/batchx/10m.csv'`);
  await c.run(`COPY (SELECT * FROM read_csv('/tmp/batchx/10m.csv')) TO '/tmp/batchx/10m.parquet'`);
  console.log('gen', performance.now() - t0);
}
let t = performance.now();
await c.run(`CREATE TABLE p AS SELECT (i % 2)::BIGINT pred, random() p0, random() p1, NULL::VARCHAR reason FROM range(${N}) t(i)`);
console.log('preds', performance.now() - t, process.memoryUsage().rss / 1e6);
const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50); let peak = 0;
t = performance.now();
await c.run(`COPY (SELECT s.*, p.pred, p.p0, p.p1 FROM ${process.argv[3] === 'pq' ? `read_parquet('/tmp/batchx/10m.parquet')` : src} s POSITIONAL JOIN p WHERE p.reason IS NULL) TO '/tmp/batchx/out.${process.argv[3] === 'pq' ? 'parquet' : 'csv'}'`);
clearInterval(iv);
console.log('join+copy', (performance.now() - t).toFixed(0), 'ms peak rss', (peak / 1e6).toFixed(0), 'MB');
