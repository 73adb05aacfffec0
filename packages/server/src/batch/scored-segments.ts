import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { columnVector, copyColumn } from './duckdb-vectors.js';
import { copyOptions, extensionOf, TextPartConcatenator } from './output-files.js';
import { ParquetPartConcatenator } from './parquet-concat.js';
import type { OutputFormat } from './output-files.js';
import { predictionColumns, writePredictions } from './prediction-columns.js';
import type { ColumnarPrediction, PredictionLayout } from './prediction-columns.js';
import type { ScoringPlan } from './scoring-plan.js';
import { sqlIdent, sqlString } from './sql.js';

export interface ScoredSegmentsOptions {
  /** Connection the appenders write through (never the one streaming the input). */
  appendConn: DuckDBConnection;
  /** Connection the part files are written through, while scoring goes on. */
  writeConn: DuckDBConnection;
  workDir: string;
  plan: ScoringPlan;
  format: OutputFormat;
  /** Types of the scan's kept input columns (`plan.outputColumns`), as DuckDB read them. */
  outputTypes: DuckDBType[];
  /** Select-list items appended to every output row (model name, version, scoring time). */
  metaColumns: string;
  segmentRows: number;
}

interface Segment {
  index: number;
  /** Input rows before this segment (rejects are numbered from it). */
  offset: number;
  rows: number;
  rejectedRows: number;
  /** Appends to the segment's table: the kept input columns, the prediction columns, the reject reason. */
  appender: DuckDBAppender;
  /** The types of the table's columns, in order: the chunks handed to `appender` have them. */
  types: DuckDBType[];
}

const REJECTS_TABLE = '__rejects';
const REASON = sqlIdent('__reject_reason');

/**
 * The output side of a job. Of each scanned chunk, only what the output and the rejects need
 * (the kept input columns and the reject reason, copied vector by vector: no JavaScript value
 * per cell) goes, with the chunk's predictions, to one table per segment; the model inputs
 * stay behind. When a segment is full, its part file is written by `writeConn` while the next
 * segment is scored: inference and appends hold the JavaScript threads, DuckDB writes on its
 * own. One part is in flight at a time, which bounds what a job holds. Finished parts are
 * appended to the output file as they come (CSV and JSON lines byte for byte, Parquet row group
 * by row group), so nothing is re-encoded at the end. Rejected rows collect in a table written
 * out at the end.
 */
export class ScoredSegments {
  private segment: Segment | undefined;
  private layout: PredictionLayout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly output: TextPartConcatenator | ParquetPartConcatenator;
  private nextIndex = 0;
  private offset = 0;
  private rejectsTable = false;

  constructor(
    private readonly opts: ScoredSegmentsOptions,
    partsOutputPath: string,
  ) {
    this.output = opts.format === 'parquet' ? new ParquetPartConcatenator(partsOutputPath) : new TextPartConcatenator(partsOutputPath);
  }

  /** Fixes the prediction columns (the first call wins); must precede the first `append`. */
  setLayout(layout: PredictionLayout): void {
    this.layout ??= layout;
  }

  /** Whether the prediction columns are fixed already (so a caller need not work one out again). */
  get hasLayout(): boolean {
    return this.layout !== undefined;
  }

  /**
   * Appends scanned chunks (the plan's columns) with their predictions (NULLs for rejected
   * rows); a full segment is then handed to the writer.
   */
  async append(chunks: readonly DuckDBDataChunk[], rejected: readonly Uint8Array[], prediction: ColumnarPrediction | undefined): Promise<void> {
    const layout = this.layout;
    if (!layout) throw new Error('ScoredSegments.setLayout must be called before append');
    const seg = this.segment ?? (await this.openSegment(layout));
    const { plan, outputTypes } = this.opts;
    const kept = outputTypes.length;
    const reasonColumn = seg.types.length - 1;
    let offset = 0;
    for (let c = 0; c < chunks.length; c++) {
      const scanned = chunks[c]!;
      const rows = DuckDBDataChunk.create(seg.types, scanned.rowCount);
      for (let j = 0; j < kept; j++) copyColumn(scanned, j, rows, j, outputTypes[j]!);
      offset = writePredictions({ rows: rows.rowCount, vector: (i) => columnVector(rows, kept + i) }, layout, rejected[c]!, prediction, offset);
      copyColumn(scanned, plan.reasonIndex, rows, reasonColumn, VARCHAR);
      // `rows` points into `scanned`'s strings: appended (copied) while `scanned` is alive.
      seg.appender.appendDataChunk(rows);
      seg.rows += scanned.rowCount;
      for (const r of rejected[c]!) seg.rejectedRows += r;
    }
    if (seg.rows >= this.opts.segmentRows) await this.closeSegment();
  }

  /**
   * Writes what is left and assembles the output at `outputPath` (a temporary name; the caller
   * publishes it) and, when rows were rejected, the rejects at `rejectsPath`.
   */
  async finish(outputPath: string, rejectsPath: string): Promise<void> {
    if (!this.segment && this.nextIndex === 0) await this.openSegment(this.layout!);
    if (this.segment) await this.closeSegment();
    await this.writing;
    await this.output.close();
    await rename(this.output.path, outputPath);
    if (!this.rejectsTable) return;
    await this.opts.writeConn.run(`COPY (SELECT * FROM ${REJECTS_TABLE} ORDER BY input_row) TO ${sqlString(rejectsPath)} ${copyOptions(this.opts.format)}`);
  }

  /** Stops writing (the job failed or was cancelled); the caller removes the work folder. */
  async abort(): Promise<void> {
    // The part in flight finishes first: destroying the file under it would leave it waiting for 'drain'.
    await this.writing.catch(() => undefined);
    this.output.destroy();
  }

  private async openSegment(layout: PredictionLayout): Promise<Segment> {
    const index = this.nextIndex++;
    const conn = this.opts.appendConn;
    const { plan, outputTypes } = this.opts;
    const columns = [
      ...plan.outputColumns.map((name, j) => ({ name: sqlIdent(name), type: outputTypes[j]! })),
      ...predictionColumns(layout).map((c) => ({ name: sqlIdent(c.name), type: c.type })),
      { name: REASON, type: VARCHAR },
    ];
    await conn.run(`CREATE TABLE ${segmentTable(index)} (${columns.map((c) => `${c.name} ${c.type.toString()}`).join(', ')})`);
    this.segment = { index, offset: this.offset, rows: 0, rejectedRows: 0, appender: await conn.createAppender(segmentTableName(index)), types: columns.map((c) => c.type) };
    return this.segment;
  }

  private async closeSegment(): Promise<void> {
    const seg = this.segment!;
    this.segment = undefined;
    this.offset += seg.rows;
    seg.appender.closeSync();
    // At most one part in flight: wait for the previous one before queueing this one.
    await this.writing;
    const write = this.writeSegment(seg);
    this.writing = write;
    // Surfaced at the next await of `writing`; never an unhandled rejection meanwhile.
    write.catch(() => undefined);
  }

  private async writeSegment(seg: Segment): Promise<void> {
    const { writeConn: w, plan, format, workDir, metaColumns } = this.opts;
    const table = segmentTable(seg.index);
    const kept = plan.outputColumns.map(sqlIdent).join(', ');
    const part = join(workDir, `part-${String(seg.index).padStart(5, '0')}.${extensionOf(format)}`);
    await w.run(`COPY (SELECT * EXCLUDE (${REASON}), ${metaColumns} FROM ${table} WHERE ${REASON} IS NULL) TO ${sqlString(part)} ${copyOptions(format, seg.index === 0)}`);
    if (seg.rejectedRows > 0) {
      // rowid is the append order: the segment's rows in input order.
      const rows = `SELECT ${seg.offset} + rowid + 1 AS input_row, ${REASON} AS reject_reason, ${kept} FROM ${table} WHERE ${REASON} IS NOT NULL`;
      await w.run(this.rejectsTable ? `INSERT INTO ${REJECTS_TABLE} ${rows}` : `CREATE TABLE ${REJECTS_TABLE} AS ${rows}`);
      this.rejectsTable = true;
    }
    await w.run(`DROP TABLE ${table}`);
    await this.output.append(part);
  }
}

function segmentTableName(index: number): string {
  return `__segment_${index}`;
}

function segmentTable(index: number): string {
  return sqlIdent(segmentTableName(index));
}
