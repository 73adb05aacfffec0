import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline, RandomForestClassifier, parseCsv, toOnnx } from '@modelyard/learn';
import { onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel, openModel } from '@modelyard/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import * as ort from 'onnxruntime-node';
const dir = '/tmp/batchx/rf';
if (!existsSync(join(dir, 'MLmodel'))) {
  const frame = parseCsv(readFileSync('/work/shared/data/pima_diabetes.csv', 'utf8'));
  const p = new Pipeline([], new RandomForestClassifier({ nTrees: 50, maxDepth: 10, seed: 1 })).fit(frame, 'Outcome');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), toOnnx(p, { name: 'rf' }));
  const sig = signatureFromSchemas(p.inputSchema(), p.outputSchema());
  writeFileSync(join(dir, 'MLmodel'), writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.12.0'), modelUuid: 'x', utcTimeCreated: utcTimeCreated(), signature: sig }));
  console.log(JSON.stringify(sig));
}
const N = 1_000_000;
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await inst.connect();
const cols = ['Pregnancies','Glucose','BloodPressure','SkinThickness','Insulin','BMI','DiabetesPedigreeFunction','Age'];
if (!existsSync('/tmp/batchx/1m.csv')) {
  let t = performance.now();
  await c.run(`COPY (SELECT i AS id, ${cols.map((n, j) => `round(random()*${[15,200,120,60,500,60,2,80][j]}, 3) AS ${n}`).join(', ')} FROM range(${N}) t(i)) TO '/tmp/batchx/1m.csv'`);
  await c.run(`COPY (SELECT * FROM read_csv('/tmp/batchx/1m.csv')) TO '/tmp/batchx/1m.parquet'`);
  console.log('gen', performance.now() - t);
}
// ORT floor
for (const threads of [1, 2]) {
  const s = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: threads });
  const B = 16384; const data = new Float32Array(B * 8).map(() => Math.random() * 100);
  let t = performance.now(); let ticks = 0; const iv = setInterval(() => ticks++, 1);
  for (let i = 0; i < N / B; i++) await s.run({ input: new ort.Tensor('float32', data, [B, 8]) });
  clearInterval(iv);
  const ms = performance.now() - t; console.log(`ort threads=${threads} ${(N / ms * 1000).toFixed(0)} rows/s, timer ticks during: ${ticks} over ${ms.toFixed(0)}ms`);
}
// duckdb streaming features
for (const src of [`read_csv(['/tmp/batchx/1m.csv'], header=true, types={${cols.map(n=>`'${n}':'VARCHAR'`).join(',')}})`, `read_parquet(['/tmp/batchx/1m.parquet'])`]) {
  let t = performance.now();
  const r = await c.stream(`SELECT ${cols.map(n => `TRY_CAST(${n} AS DOUBLE) AS ${n}`).join(', ')} FROM ${src}`);
  let rows = 0; let sum = 0;
  for (;;) { const ch = await r.fetchChunk(); if (!ch || ch.rowCount === 0) break; rows += ch.rowCount;
    for (let j = 0; j < 8; j++) { const v = ch.getColumnVector(j); for (let i = 0; i < ch.rowCount; i++) sum += (v.getItem(i) as number) ?? 0; } }
  console.log('stream', src.slice(0, 12), rows, (performance.now() - t).toFixed(0), 'ms');
}
// appender
await c.run('CREATE TABLE p(pred BIGINT, p0 DOUBLE, p1 DOUBLE, reason VARCHAR)');
let t = performance.now();
const a = await c.createAppender('p');
for (let i = 0; i < N; i++) { a.appendBigInt(BigInt(i & 1)); a.appendDouble(0.3); a.appendDouble(0.7); a.appendNull(); a.endRow(); }
a.closeSync();
console.log('appender rows', (performance.now() - t).toFixed(0), 'ms');
const { DuckDBDataChunk, BIGINT, DOUBLE, VARCHAR } = await import('@duckdb/node-api');
await c.run('CREATE TABLE p2(pred BIGINT, p0 DOUBLE, p1 DOUBLE, reason VARCHAR)');
t = performance.now();
const a2 = await c.createAppender('p2');
const chunk = DuckDBDataChunk.create([BIGINT, DOUBLE, DOUBLE, VARCHAR]);
const preds = Array.from({ length: 2048 }, (_, i) => BigInt(i & 1)); const p0 = new Array(2048).fill(0.3); const p1 = new Array(2048).fill(0.7); const rs = new Array(2048).fill(null);
for (let i = 0; i < N; i += 2048) { chunk.reset(); chunk.rowCount = 2048; chunk.setColumns([preds, p0, p1, rs]); a2.appendDataChunk(chunk); }
a2.closeSync();
console.log('appender chunks', (performance.now() - t).toFixed(0), 'ms');
