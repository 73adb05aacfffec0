import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create('/tmp/batchx/w.duckdb', { threads: '2', memory_limit: '256MB', temp_directory: '/tmp/batchx/tmpd' });
const c = await inst.connect();
const time = async (label: string, sql: string) => { const t = performance.now(); await c.run(sql); console.log(label, (performance.now() - t).toFixed(0), 'ms'); };
await time('pq->pq copy', `COPY (SELECT * FROM read_parquet('/tmp/batchx/10m.parquet')) TO '/tmp/batchx/o1.parquet'`);
await time('p scan->pq', `COPY (SELECT * FROM p) TO '/tmp/batchx/o2.parquet'`);
await time('pq join pq', `COPY (SELECT s.*, p.pred, p.p0, p.p1 FROM read_parquet('/tmp/batchx/10m.parquet') s POSITIONAL JOIN p) TO '/tmp/batchx/o3.parquet'`);
await time('csv count', `SELECT count(*) FROM read_csv('/tmp/batchx/10m.csv')`);
await time('csv->csv', `COPY (SELECT * FROM read_csv('/tmp/batchx/10m.csv')) TO '/tmp/batchx/o4.csv'`);
