import type { ColumnSpec, Columns, Prediction } from '@modelyard/sdk';
import { ModelInputError } from '@modelyard/sdk';

/**
 * The compact framing between Modelyard and its Python workers (Arrow IPC would need pyarrow in
 * every model environment, and Debian has none): u32 header length, u32 body length, a JSON
 * header, then a body of columns, each starting on an 8-byte boundary. Numbers travel as raw
 * little-endian float64/int64 arrays that numpy maps without parsing (`np.frombuffer`); text and
 * anything else as one JSON list per column. Replies use the same frame: the prediction as a raw
 * array when it is numeric (else JSON), then float64 class probabilities when asked for.
 */

/** How one column travels: float64, int64, bytes of 0/1, or a JSON list. */
export type WireKind = 'f8' | 'i8' | 'b1' | 'obj';

/** A column ready to travel: its values and how (kind) they go, with the MLflow type the worker casts to. */
export interface WireColumn {
  name: string;
  kind: WireKind;
  type: string;
  values: readonly unknown[];
}

export interface PredictRequest {
  id: number;
  rows: number;
  /** In the order the model gets them (the signature's). */
  columns: readonly WireColumn[];
  /** MLflow's `params`, passed to `predict(data, params=...)`. */
  params?: Record<string, unknown> | undefined;
  /** Ask a classifier for `predict_proba` too. */
  probabilities?: boolean | undefined;
}

export interface Frame {
  header: Record<string, unknown>;
  body: Buffer;
}

const INTEGER_TYPES = new Set(['long', 'integer']);
const FLOAT_TYPES = new Set(['double', 'float']);

/**
 * Decides how each column travels, checking the values against the signature's types the way
 * MLflow's schema enforcement does (ModelInputError naming the column and row when they do not fit).
 */
export function wireColumns(columns: Columns, specs: readonly ColumnSpec[] | undefined): WireColumn[] {
  const specByName = new Map((specs ?? []).map((s) => [s.name, s]));
  return [...columns].map(([name, values]) => {
    const type = specByName.get(name)?.type ?? inferredType(values);
    return { name, kind: wireKind(name, type, values), type, values };
  });
}

/** The frame asking a worker to predict `req.columns`. */
export function encodePredictRequest(req: PredictRequest): Buffer {
  const header = {
    id: req.id,
    rows: req.rows,
    columns: req.columns.map((c) => [c.name, c.kind, c.type]),
    ...(req.params && Object.keys(req.params).length > 0 ? { params: req.params } : {}),
    ...(req.probabilities ? { proba: true } : {}),
  };
  return frame(header, Buffer.concat(req.columns.map((c) => encodeColumn(c.kind, c.values, req.rows))));
}

export function frame(header: Record<string, unknown>, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeUInt32LE(h.length, 0);
  prefix.writeUInt32LE(body.length, 4);
  return Buffer.concat([prefix, h, body]);
}

function inferredType(values: readonly unknown[]): string {
  let numbers = true;
  let booleans = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') numbers = false;
    if (typeof v !== 'boolean') booleans = false;
  }
  return numbers ? 'double' : booleans ? 'boolean' : 'string';
}

/**
 * As MLflow's schema enforcement: a `long`/`integer` column takes whole numbers (a fraction
 * cannot be converted safely, and MLflow refuses it too). A missing value (null, which the
 * signature check made NaN) is accepted as the ONNX path accepts it: the column then travels as
 * float64 with NaN, as pandas holds an integer column with gaps, for the model's imputer.
 * `double`/`float` take any number.
 */
function wireKind(name: string, type: string, values: readonly unknown[]): WireKind {
  if (INTEGER_TYPES.has(type)) {
    let missing = false;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number' && Number.isNaN(v)) missing = true;
      else if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new ModelInputError(`column '${name}' expects ${type} values, row ${i} has ${JSON.stringify(v)}; whole numbers only`);
      }
    }
    return missing ? 'f8' : 'i8';
  }
  // Without a signature a missing number is null (the signature check makes it NaN): NaN either way.
  if (FLOAT_TYPES.has(type)) return values.every((v) => typeof v === 'number' || v === null || v === undefined) ? 'f8' : 'obj';
  if (type === 'boolean') return values.every((v) => typeof v === 'boolean') ? 'b1' : 'obj';
  return 'obj';
}

function encodeColumn(kind: WireKind, values: readonly unknown[], rows: number): Buffer {
  if (kind === 'f8') {
    // Filled through a typed array (a plain store per value, ~5x faster than writeDoubleLE), then
    // viewed as bytes; this code assumes a little-endian host (x86-64, arm64), as the frame is.
    const data = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      data[i] = typeof v === 'number' ? v : Number.NaN;
    }
    return Buffer.from(data.buffer, 0, data.byteLength);
  }
  if (kind === 'i8') {
    const data = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) data[i] = BigInt(values[i] as number);
    return Buffer.from(data.buffer, 0, data.byteLength);
  }
  if (kind === 'b1') {
    const buf = Buffer.alloc(Math.ceil(rows / 8) * 8);
    for (let i = 0; i < rows; i++) buf[i] = values[i] ? 1 : 0;
    return buf;
  }
  // NaN and ±Infinity are not JSON: they travel as null, which pandas reads as missing.
  const text = Buffer.from(JSON.stringify(values.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))), 'utf8');
  const buf = Buffer.alloc(Math.ceil((4 + text.length) / 8) * 8);
  buf.writeUInt32LE(text.length, 0);
  text.copy(buf, 4);
  return buf;
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 8) break;
      const head = this.peek(8);
      const hlen = head.readUInt32LE(0);
      const blen = head.readUInt32LE(4);
      if (this.buffered < 8 + hlen + blen) break;
      const all = this.take(8 + hlen + blen);
      frames.push({ header: JSON.parse(all.toString('utf8', 8, 8 + hlen)) as Record<string, unknown>, body: all.subarray(8 + hlen) });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    // A copy: the frame outlives the (possibly much larger) chunk it came in.
    return Buffer.from(all.subarray(0, n));
  }
}

interface PredDescriptor {
  kind: 'f8' | 'i8' | 'b1' | 'json';
  rows: number;
  width?: number;
}

/** A worker's prediction in the SDK's shape. `rows` is -1 when the answer is not one value per row (a dict). */
export function decodePrediction(f: Frame): { prediction: Prediction; rows: number } {
  const desc = f.header.pred as PredDescriptor;
  const body = f.body;
  if (desc.kind === 'json') {
    const end = (f.header.proba as { at: number } | undefined)?.at ?? body.length;
    const parsed = JSON.parse(body.toString('utf8', 0, end).replace(/\0+$/, '')) as unknown;
    // A dict answer (MLflow returns it as it is) is one value, not rows.
    return { prediction: { predictions: (Array.isArray(parsed) ? parsed : [parsed]) as Prediction['predictions'] }, rows: Array.isArray(parsed) ? parsed.length : -1 };
  }
  const width = desc.width ?? 1;
  const count = desc.rows * width;
  const flat = new Array<number | boolean>(count);
  if (desc.kind === 'f8') {
    const data = float64s(body, 0, count);
    for (let i = 0; i < count; i++) flat[i] = data[i]!;
  } else if (desc.kind === 'i8') {
    const data = new BigInt64Array(copyOf(body, 0, 8 * count));
    for (let i = 0; i < count; i++) flat[i] = Number(data[i]!);
  } else {
    for (let i = 0; i < count; i++) flat[i] = body[i] === 1;
  }
  const predictions = width === 1 ? flat : Array.from({ length: desc.rows }, (_, r) => flat.slice(r * width, (r + 1) * width));
  const proba = f.header.proba as { classes: number; at: number } | undefined;
  if (!proba) return { prediction: { predictions: predictions as Prediction['predictions'] }, rows: desc.rows };
  const data = float64s(body, proba.at, desc.rows * proba.classes);
  const probabilities = new Array<number[]>(desc.rows);
  for (let r = 0; r < desc.rows; r++) {
    const row = new Array<number>(proba.classes);
    for (let k = 0; k < proba.classes; k++) row[k] = data[r * proba.classes + k]!;
    probabilities[r] = row;
  }
  return { prediction: { predictions: predictions as Prediction['predictions'], probabilities }, rows: desc.rows };
}

/** `count` float64 values of `body` from byte `at`: a view when the bytes are 8-aligned, else one copy. */
function float64s(body: Buffer, at: number, count: number): Float64Array {
  const start = body.byteOffset + at;
  if (start % 8 === 0) return new Float64Array(body.buffer, start, count);
  return new Float64Array(copyOf(body, at, 8 * count));
}

function copyOf(body: Buffer, at: number, bytes: number): ArrayBuffer {
  const copy = new Uint8Array(bytes);
  copy.set(body.subarray(at, at + bytes));
  return copy.buffer;
}
