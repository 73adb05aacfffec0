/** A numeric column: missing values are NaN. */
export interface NumberColumn {
  readonly type: 'number';
  readonly values: Float64Array;
}

/** A string column: missing values are null. */
export interface StringColumn {
  readonly type: 'string';
  readonly values: readonly (string | null)[];
}

export type Column = NumberColumn | StringColumn;

export type ColumnInput = ArrayLike<number> | readonly (string | null)[];

/** Column-wise table. Immutable: every operation returns a new frame sharing no mutable state. */
export class DataFrame {
  readonly columnNames: readonly string[];
  readonly rowCount: number;
  private readonly byName: ReadonlyMap<string, Column>;

  constructor(columns: ReadonlyArray<readonly [string, Column]>) {
    const byName = new Map<string, Column>();
    let rowCount = -1;
    for (const [name, column] of columns) {
      if (byName.has(name)) throw new Error(`column "${name}" appears twice; column names must be unique`);
      if (rowCount >= 0 && column.values.length !== rowCount) {
        throw new Error(`column "${name}" has ${column.values.length} rows but earlier columns have ${rowCount}`);
      }
      rowCount = column.values.length;
      byName.set(name, column);
    }
    this.byName = byName;
    this.columnNames = columns.map(([name]) => name);
    this.rowCount = Math.max(rowCount, 0);
  }

  /**
   * Builds a frame from plain arrays: arrays of numbers become number columns (null/undefined →
   * NaN), arrays containing any string become string columns.
   */
  static fromColumns(columns: Record<string, ColumnInput | readonly (number | null)[]>): DataFrame {
    return new DataFrame(Object.entries(columns).map(([name, values]) => [name, toColumn(values)] as const));
  }

  /** Builds a frame from row objects; the first row's keys give the column order. */
  static fromRecords(records: readonly Record<string, string | number | null | undefined>[]): DataFrame {
    const names = records.length > 0 ? Object.keys(records[0]) : [];
    const columns: Record<string, (string | number | null)[]> = {};
    for (const name of names) columns[name] = records.map((r) => r[name] ?? null);
    return DataFrame.fromColumns(columns as Record<string, ColumnInput>);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  column(name: string): Column {
    const column = this.byName.get(name);
    if (!column) throw new Error(`no column "${name}"; the frame has ${this.columnNames.join(', ')}`);
    return column;
  }

  numbers(name: string): Float64Array {
    const column = this.column(name);
    if (column.type !== 'number') throw new Error(`column "${name}" holds strings, expected numbers`);
    return column.values;
  }

  strings(name: string): readonly (string | null)[] {
    const column = this.column(name);
    if (column.type !== 'string') throw new Error(`column "${name}" holds numbers, expected strings`);
    return column.values;
  }

  select(names: readonly string[]): DataFrame {
    return new DataFrame(names.map((name) => [name, this.column(name)] as const));
  }

  drop(names: readonly string[]): DataFrame {
    for (const name of names) this.column(name);
    return this.select(this.columnNames.filter((n) => !names.includes(n)));
  }

  /** The rows at the given positions, in that order (repeats allowed). */
  take(rows: ArrayLike<number>): DataFrame {
    return new DataFrame(
      this.columnNames.map((name) => {
        const column = this.column(name);
        if (column.type === 'number') {
          const out = new Float64Array(rows.length);
          for (let i = 0; i < rows.length; i++) out[i] = column.values[rows[i]];
          return [name, { type: 'number', values: out }] as const;
        }
        const out: (string | null)[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = column.values[rows[i]];
        return [name, { type: 'string', values: out }] as const;
      }),
    );
  }

  head(n: number): DataFrame {
    return this.take(Array.from({ length: Math.min(n, this.rowCount) }, (_, i) => i));
  }

  /** Rows as plain objects (missing → null), e.g. for an MLflow input example. */
  toRecords(): Record<string, string | number | null>[] {
    const out: Record<string, string | number | null>[] = [];
    for (let i = 0; i < this.rowCount; i++) {
      const row: Record<string, string | number | null> = {};
      for (const name of this.columnNames) {
        const column = this.column(name);
        const value = column.values[i];
        row[name] = typeof value === 'number' && Number.isNaN(value) ? null : value;
      }
      out.push(row);
    }
    return out;
  }
}

function toColumn(values: ArrayLike<unknown>): Column {
  let hasString = false;
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] === 'string') hasString = true;
  }
  if (hasString) {
    const out: (string | null)[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = v === null || v === undefined ? null : String(v);
    }
    return { type: 'string', values: out };
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return { type: 'number', values: out };
}
