import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { copyOptions, extensionOf, TextPartConcatenator } from './output-files.js';
import { ParquetPartConcatenator } from './parquet-concat.js';
import type { OutputFormat } from './output-files.js';
import { predictionChunk, predictionTableSql } from './prediction-columns.js';
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
  /** Column definitions (`"name" TYPE, …`) of the scanned query: each segment's input table has them. */
  inputColumns: string;
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
  /** The scanned rows, every column of the plan, as DuckDB read them. */
  input: DuckDBAppender;
  predictions: DuckDBAppender;
}

const REJECTS_TABLE = '__rejects';

/**
 * The output side of a job. Scanned chunks are appended as they are (DuckDB to DuckDB, no
 * JavaScript value per cell) to one table per segment, their predictions to another; when a
 * segment is full, its part file (the two joined by position) is written by `writeConn` while the
 * next segment is scored: inference and appends hold the JavaScript threads, DuckDB writes on
 * its own. One part is in flight at a time, which bounds what a job holds. Finished parts are
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
   * Appends scanned chunks (all the plan's columns) with their predictions (NULLs for rejected
   * rows); a full segment is then handed to the writer.
   */
  async append(chunks: readonly DuckDBDataChunk[], rejected: readonly Uint8Array[], prediction: ColumnarPrediction | undefined): Promise<void> {
    const layout = this.layout;
    if (!layout) throw new Error('ScoredSegments.setLayout must be called before append');
    const seg = this.segment ?? (await this.openSegment(layout));
    let offset = 0;
    for (let c = 0; c < chunks.length; c++) {
      const rows = chunks[c]!.rowCount;
      seg.input.appendDataChunk(chunks[c]!);
      const written = predictionChunk(layout, rows, rejected[c]!, prediction, offset);
      seg.predictions.appendDataChunk(written.chunk);
      offset = written.offset;
      seg.rows += rows;
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
    await conn.run(`CREATE TABLE ${sqlIdent(inputTable(index))} (${this.opts.inputColumns})`);
    await conn.run(predictionTableSql(predictionTable(index), layout));
    this.segment = {
      index,
      offset: this.offset,
      rows: 0,
      rejectedRows: 0,
      input: await conn.createAppender(inputTable(index)),
      predictions: await conn.createAppender(predictionTable(index)),
    };
    return this.segment;
  }

  private async closeSegment(): Promise<void> {
    const seg = this.segment!;
    this.segment = undefined;
    this.offset += seg.rows;
    seg.input.closeSync();
    seg.predictions.closeSync();
    // At most one part in flight: wait for the previous one before queueing this one.
    await this.writing;
    const write = this.writeSegment(seg);
    this.writing = write;
    // Surfaced at the next await of `writing`; never an unhandled rejection meanwhile.
    write.catch(() => undefined);
  }

  private async writeSegment(seg: Segment): Promise<void> {
    const { writeConn: w, plan, format, workDir, metaColumns } = this.opts;
    const input = sqlIdent(inputTable(seg.index));
    const predictions = sqlIdent(predictionTable(seg.index));
    const cols = plan.outputColumns.map((c) => `i.${sqlIdent(c)}`).join(', ');
    const part = join(workDir, `part-${String(seg.index).padStart(5, '0')}.${extensionOf(format)}`);
    await w.run(
      `COPY (SELECT ${cols}, p.*, ${metaColumns} FROM ${input} i POSITIONAL JOIN ${predictions} p WHERE NOT i."__rejected") ` +
        `TO ${sqlString(part)} ${copyOptions(format, seg.index === 0)}`,
    );
    if (seg.rejectedRows > 0) {
      // rowid is the append order: the segment's rows in input order.
      const rows = `SELECT ${seg.offset} + rowid + 1 AS input_row, "__reject_reason" AS reject_reason, ${plan.outputColumns.map(sqlIdent).join(', ')} FROM ${input} WHERE "__rejected"`;
      await w.run(this.rejectsTable ? `INSERT INTO ${REJECTS_TABLE} ${rows}` : `CREATE TABLE ${REJECTS_TABLE} AS ${rows}`);
      this.rejectsTable = true;
    }
    await w.run(`DROP TABLE ${input}`);
    await w.run(`DROP TABLE ${predictions}`);
    await this.output.append(part);
  }
}

function inputTable(index: number): string {
  return `__input_${index}`;
}

function predictionTable(index: number): string {
  return `__predictions_${index}`;
}
