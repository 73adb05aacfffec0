/** Dense row-major matrix of float64 values. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Builds a row-major matrix from columns (each of length `rows`). */
export function fromColumns(columns: readonly ArrayLike<number>[], rows: number): Matrix {
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const column = columns[c];
    for (let r = 0; r < rows; r++) data[r * cols + c] = column[r];
  }
  return { rows, cols, data };
}

/** Rows of the matrix as plain arrays. */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}
