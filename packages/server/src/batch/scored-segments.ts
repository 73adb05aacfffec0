import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { Prediction } from '@modelyard/sdk';
import { copyOptions, extensionOf, TextPartConcatenator } from './output-files.js';
import { ParquetPartConcatenator } from './parquet-concat.js';
import type { OutputFormat } from './output-files.js';
import { appendPredictions, predictionTableSql } from './prediction-columns.js';
import type { PredictionLayout } from './prediction-columns.js';
import type { ScoringPlan } from './scoring-plan.js';
import { sqlIdent, sqlString } from './sql.js';

export interface ScoredSegmentsOptions {
  /** Connection the prediction appenders write through (never the one streaming the input). */
  appendConn: DuckDBConnection;
  /** Connection the part files are written through, while scoring goes on. */
  writeConn: DuckDBConnection;
  workDir: string;
  plan: ScoringPlan;
  format: OutputFormat;
  /** The staged input (`plan.outputSelect` over the source, in source order). */
  inputTable: string;
  /** Settles when `inputTable` is complete; no part is written before. */
  staged: Promise<unknown>;
  /** Select-list items appended to every output row (model name, version, scoring time). */
  metaColumns: string;
  segmentRows: number;
}

interface Segment {
  index: number;
  /** Input rows before this segment: its rows are `rowid` offset … offset + rows - 1 of the input table. */
  offset: number;
  rows: number;
  predictions: DuckDBAppender;
}

/**
 * The output side of a job. Predictions go into one DuckDB table per segment; when a segment is
 * full, its part file (staged input rows joined by position with their predictions) is written
 * by `writeConn` while the next segment is scored: ONNX Runtime holds the main thread, DuckDB
 * writes on its own. One part is in flight at a time, which bounds what a job holds. Finished
 * parts are appended to the output file as they come (CSV and JSON lines byte for byte, Parquet
 * row group by row group), so nothing is re-encoded at the end.
 */
export class ScoredSegments {
  private segment: Segment | undefined;
  private layout: PredictionLayout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly output: TextPartConcatenator | ParquetPartConcatenator;
  private nextIndex = 0;
  private offset = 0;

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

  /** Appends the predictions of `rejected.length` chunks of scanned rows (none for rejected rows). */
  async append(chunkRows: readonly number[], rejected: readonly Uint8Array[], prediction: Prediction | undefined): Promise<void> {
    const layout = this.layout;
    if (!layout) throw new Error('ScoredSegments.setLayout must be called before append');
    let offset = 0;
    const seg = this.segment ?? (await this.openSegment());
    for (let c = 0; c < chunkRows.length; c++) {
      offset = appendPredictions(seg.predictions, layout, chunkRows[c]!, rejected[c]!, prediction, offset);
      seg.rows += chunkRows[c]!;
    }
    if (seg.rows >= this.opts.segmentRows) await this.closeSegment();
  }

  /**
   * Writes what is left and assembles the output at `outputPath` (a temporary name; the caller
   * publishes it) and, when `rejectedRows > 0`, the rejects at `rejectsPath`.
   */
  async finish(outputPath: string, rejectsPath: string, rejectedRows: number): Promise<void> {
    if (!this.segment && this.nextIndex === 0) await this.openSegment();
    if (this.segment) await this.closeSegment();
    await this.writing;
    const w = this.opts.writeConn;
    await this.output.close();
    await rename(this.output.path, outputPath);
    if (rejectedRows === 0) return;
    const cols = this.opts.plan.outputColumns.map(sqlIdent).join(', ');
    await w.run(
      `COPY (SELECT rowid + 1 AS input_row, "__reject_reason" AS reject_reason, ${cols} FROM ${sqlIdent(this.opts.inputTable)} WHERE "__rejected" ORDER BY rowid) ` +
        `TO ${sqlString(rejectsPath)} ${copyOptions(this.opts.format)}`,
    );
  }

  /** Stops writing (the job failed or was cancelled); the caller removes the work folder. */
  async abort(): Promise<void> {
    // The part in flight finishes first: destroying the file under it would leave it waiting for 'drain'.
    await this.writing.catch(() => undefined);
    this.output.destroy();
  }

  private async openSegment(): Promise<Segment> {
    const index = this.nextIndex++;
    await this.opts.appendConn.run(predictionTableSql(predictionTable(index), this.layout!));
    this.segment = { index, offset: this.offset, rows: 0, predictions: await this.opts.appendConn.createAppender(predictionTable(index)) };
    return this.segment;
  }

  private async closeSegment(): Promise<void> {
    const seg = this.segment!;
    this.segment = undefined;
    this.offset += seg.rows;
    seg.predictions.closeSync();
    // At most one part in flight: wait for the previous one before queueing this one.
    await this.writing;
    const write = this.writeSegment(seg);
    this.writing = write;
    // Surfaced at the next await of `writing`; never an unhandled rejection meanwhile.
    write.catch(() => undefined);
  }

  private async writeSegment(seg: Segment): Promise<void> {
    const { writeConn: w, plan, format, workDir, metaColumns, inputTable } = this.opts;
    await this.opts.staged;
    const cols = plan.outputColumns.map((c) => `i.${sqlIdent(c)}`).join(', ');
    const part = join(workDir, `part-${String(seg.index).padStart(5, '0')}.${extensionOf(format)}`);
    const rows = `SELECT * FROM ${sqlIdent(inputTable)} WHERE rowid >= ${seg.offset} AND rowid < ${seg.offset + seg.rows}`;
    await w.run(
      `COPY (SELECT ${cols}, p.*, ${metaColumns} FROM (${rows}) i POSITIONAL JOIN ${sqlIdent(predictionTable(seg.index))} p WHERE NOT i."__rejected") ` +
        `TO ${sqlString(part)} ${copyOptions(format, seg.index === 0)}`,
    );
    await w.run(`DROP TABLE ${sqlIdent(predictionTable(seg.index))}`);
    await this.output.append(part);
  }
}

function predictionTable(index: number): string {
  return `__predictions_${index}`;
}
