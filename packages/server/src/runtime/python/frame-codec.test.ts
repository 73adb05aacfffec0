import { describe, expect, it } from 'vitest';
import { ModelInputError } from '@modelyard/sdk';
import { FrameReader, decodePrediction, encodePredictRequest, frame, wireColumns } from './frame-codec.js';

/** What a worker would read: the header and each column's bytes, decoded as pyfunc_worker.py does. */
function readRequest(buf: Buffer): { header: Record<string, any>; columns: unknown[][] } {
  const [f] = new FrameReader().push(buf);
  const header = f!.header as Record<string, any>;
  const columns: unknown[][] = [];
  let at = 0;
  for (const [, kind] of header.columns as Array<[string, string, string]>) {
    const n = header.rows as number;
    if (kind === 'f8') columns.push(Array.from({ length: n }, (_, i) => f!.body.readDoubleLE(at + 8 * i)));
    else if (kind === 'i8') columns.push(Array.from({ length: n }, (_, i) => Number(f!.body.readBigInt64LE(at + 8 * i))));
    else if (kind === 'b1') columns.push(Array.from({ length: n }, (_, i) => f!.body[at + i] === 1));
    else {
      const size = f!.body.readUInt32LE(at);
      columns.push(JSON.parse(f!.body.toString('utf8', at + 4, at + 4 + size)));
      at += Math.ceil((4 + size) / 8) * 8;
      continue;
    }
    at += kind === 'b1' ? Math.ceil(n / 8) * 8 : 8 * n;
  }
  return { header, columns };
}

describe('frame codec', () => {
  it.each([
    ['double', [1.5, Number.NaN, -2], 'f8', [1.5, Number.NaN, -2]],
    ['long', [1, 2, 3], 'i8', [1, 2, 3]],
    ['long with a missing value travels as float64', [1, Number.NaN, 3], 'f8', [1, Number.NaN, 3]],
    ['boolean', [true, false, true], 'b1', [true, false, true]],
    ['string', ['a', 'é', ''], 'obj', ['a', 'é', '']],
  ] as const)('encodes a %s column', (label, values, kind, decoded) => {
    const type = label.split(' ')[0]!;
    const columns = wireColumns(new Map([['c', [...values]]]), [{ name: 'c', type: type as 'double' }]);
    expect(columns[0]!.kind).toBe(kind);
    const { header, columns: read } = readRequest(encodePredictRequest({ id: 7, rows: 3, columns, params: { k: 1 }, probabilities: true }));
    expect(header).toMatchObject({ id: 7, rows: 3, columns: [['c', kind, type]], params: { k: 1 }, proba: true });
    expect(read[0]).toEqual(decoded);
  });

  it('refuses a fraction or text in a long column, naming the column and row', () => {
    expect(() => wireColumns(new Map([['n', [1, 2.5]]]), [{ name: 'n', type: 'long' }])).toThrow(new ModelInputError("column 'n' expects long values, row 1 has 2.5; whole numbers only"));
    expect(() => wireColumns(new Map([['n', ['x']]]), [{ name: 'n', type: 'integer' }])).toThrow(/row 0 has "x"/);
  });

  it('infers how columns travel without a signature', () => {
    const kinds = wireColumns(new Map<string, unknown[]>([['a', [1, null]], ['b', [true, false]], ['c', ['x', 1]]]), undefined).map((c) => [c.type, c.kind]);
    expect(kinds).toEqual([['double', 'f8'], ['boolean', 'b1'], ['string', 'obj']]);
  });

  it('reassembles frames split across and packed into chunks', () => {
    const a = frame({ n: 1 }, Buffer.from('abcdefgh'));
    const b = frame({ n: 2 });
    const all = Buffer.concat([a, b]);
    const reader = new FrameReader();
    const got = [...reader.push(all.subarray(0, 5)), ...reader.push(all.subarray(5, a.length + 3)), ...reader.push(all.subarray(a.length + 3))];
    expect(got.map((f) => [f.header.n, f.body.toString()])).toEqual([
      [1, 'abcdefgh'],
      [2, ''],
    ]);
  });

  it.each([0, 3])('decodes numeric predictions and probabilities at any byte offset (%i)', (offset) => {
    const preds = new Float64Array([0, 1]);
    const proba = new Float64Array([0.25, 0.75, 0.5, 0.5]);
    const body = Buffer.concat([Buffer.from(preds.buffer), Buffer.from(proba.buffer)]);
    // The body sits at some offset inside a larger buffer, as frames cut from a stream do.
    const holder = Buffer.concat([Buffer.alloc(offset), body]).subarray(offset);
    const { prediction, rows } = decodePrediction({ header: { pred: { kind: 'f8', rows: 2, width: 1 }, proba: { classes: 2, at: 16 } }, body: holder });
    expect(rows).toBe(2);
    expect(prediction).toEqual({ predictions: [0, 1], probabilities: [[0.25, 0.75], [0.5, 0.5]] });
  });

  it('decodes int64 labels, rows of several values and JSON answers', () => {
    const labels = decodePrediction({ header: { pred: { kind: 'i8', rows: 2 } }, body: Buffer.from(new BigInt64Array([3n, -1n]).buffer) });
    expect(labels.prediction.predictions).toEqual([3, -1]);
    const wide = decodePrediction({ header: { pred: { kind: 'f8', rows: 2, width: 2 } }, body: Buffer.from(new Float64Array([1, 2, 3, 4]).buffer) });
    expect(wide.prediction.predictions).toEqual([[1, 2], [3, 4]]);
    const text = decodePrediction({ header: { pred: { kind: 'json', rows: 2 } }, body: Buffer.from('["yes","no"]\0\0\0\0') });
    expect(text).toEqual({ prediction: { predictions: ['yes', 'no'] }, rows: 2 });
    const dict = decodePrediction({ header: { pred: { kind: 'json', rows: -1 } }, body: Buffer.from('{"a":1}') });
    expect(dict.rows).toBe(-1);
  });
});
