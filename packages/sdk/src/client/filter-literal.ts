/**
 * A value quoted for MLflow's search filter grammar (`name = 'it''s'`): single quotes, an inner
 * quote doubled, which both MLflow's sqlparse-based parser and Modelyard's accept.
 */
export function filterLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
