/** SQL text helpers for the DuckDB statements of batch scoring (identifiers and literals only). */

export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
