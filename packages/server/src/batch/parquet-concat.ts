import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { copyInto } from './output-files.js';
import { T, ThriftReader, ThriftWriter } from './thrift-compact.js';
import type { ThriftField, ThriftList, ThriftValue } from './thrift-compact.js';

const MAGIC = Buffer.from('PAR1');

/*
 * Field ids of parquet.thrift this file touches. Every other field is carried over as it was.
 *   FileMetaData: 2 schema, 3 num_rows, 4 row_groups
 *   RowGroup: 1 columns, 5 file_offset, 7 ordinal
 *   ColumnChunk: 2 file_offset, 3 meta_data, 4 offset_index_offset, 6 column_index_offset
 *   ColumnMetaData: 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset, 14 bloom_filter_offset
 */
const FILE = { schema: 2, numRows: 3, rowGroups: 4 };
const ROW_GROUP = { columns: 1, fileOffset: 5, ordinal: 7 };
const CHUNK_OFFSETS = [2, 4, 6];
const CHUNK_META = 3;
const META_OFFSETS = [9, 10, 11, 14];

/**
 * Concatenates Parquet files with the same schema into one, row group by row group, without
 * decoding a page: each part's pages are copied as they are and its footer's byte offsets are
 * shifted. This is what lets the Parquet output be appended part by part while later rows are
 * scored, like CSV, instead of re-encoding every row at the end.
 */
export class ParquetPartConcatenator {
  private readonly out: WriteStream;
  private readonly closed: Promise<void>;
  private position = MAGIC.length;
  private first: ThriftField[] | undefined;
  private schema: Buffer | undefined;
  private readonly rowGroups: ThriftValue[] = [];
  private rows = 0n;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.closed = new Promise((resolve, reject) => {
      this.out.on('close', resolve);
      this.out.on('error', reject);
    });
    this.out.write(MAGIC);
  }

  async append(part: string): Promise<void> {
    const { footer, dataEnd } = await readFooter(part);
    const schema = Buffer.from(new ThriftWriter().writeStruct(footer.filter((f) => f.id === FILE.schema)).bytes());
    if (!this.schema) {
      this.schema = schema;
      this.first = footer;
    } else if (!schema.equals(this.schema)) {
      throw new Error(`parquet part ${part} has a different schema from the first part; parts must match to be concatenated`);
    }
    const delta = BigInt(this.position - MAGIC.length);
    for (const group of (field(footer, FILE.rowGroups)?.value as ThriftList | undefined)?.items ?? []) {
      shiftRowGroup(group as ThriftField[], delta, this.rowGroups.length);
      this.rowGroups.push(group);
    }
    this.rows += BigInt((field(footer, FILE.numRows)?.value as bigint | undefined) ?? 0n);
    if (dataEnd > MAGIC.length) await copyInto(this.out, part, { start: MAGIC.length, end: dataEnd - 1 });
    this.position += dataEnd - MAGIC.length;
    await rm(part, { force: true });
  }

  /** Writes the merged footer. At least one part must have been appended. */
  async close(): Promise<void> {
    if (!this.first) throw new Error('no parquet part to concatenate');
    const footer = this.first.map((f): ThriftField => {
      if (f.id === FILE.numRows) return { ...f, value: this.rows };
      if (f.id === FILE.rowGroups) return { ...f, value: { ...(f.value as ThriftList), items: this.rowGroups } };
      return f;
    });
    const bytes = new ThriftWriter().writeStruct(footer).bytes();
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    this.out.end(Buffer.concat([bytes, length, MAGIC]));
    await this.closed;
  }

  destroy(): void {
    this.out.destroy();
  }
}

async function readFooter(path: string): Promise<{ footer: ThriftField[]; dataEnd: number }> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    if (!tail.subarray(4).equals(MAGIC)) throw new Error(`${path} is not a Parquet file (no PAR1 at its end)`);
    const length = tail.readUInt32LE(0);
    const dataEnd = size - 8 - length;
    const bytes = Buffer.alloc(length);
    await handle.read(bytes, 0, length, dataEnd);
    return { footer: new ThriftReader(bytes).readStruct(), dataEnd };
  } finally {
    await handle.close();
  }
}

function field(fields: readonly ThriftField[], id: number): ThriftField | undefined {
  return fields.find((f) => f.id === id);
}

function shift(fields: ThriftField[], ids: readonly number[], delta: bigint): void {
  for (const f of fields) {
    // 0 means "not set" for writers that write the deprecated ColumnChunk.file_offset as 0.
    if (ids.includes(f.id) && f.type === T.I64 && (f.value as bigint) > 0n) f.value = (f.value as bigint) + delta;
  }
}

function shiftRowGroup(group: ThriftField[], delta: bigint, ordinal: number): void {
  shift(group, [ROW_GROUP.fileOffset], delta);
  const ord = field(group, ROW_GROUP.ordinal);
  if (ord) ord.value = ordinal;
  for (const chunk of (field(group, ROW_GROUP.columns)?.value as ThriftList | undefined)?.items ?? []) {
    const c = chunk as ThriftField[];
    shift(c, CHUNK_OFFSETS, delta);
    const meta = field(c, CHUNK_META);
    if (meta) shift(meta.value as ThriftField[], META_OFFSETS, delta);
  }
}
