/**
 * The first rows of a CSV/TSV text (RFC 4180 quoting). The text may be cut mid-row, so the last,
 * possibly partial, line is dropped when the input was truncated.
 */
export function parseCsvHead(text: string, maxRows: number, truncated: boolean, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length && rows.length < maxRows + 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += ch;
    i++;
  }
  const complete = i >= text.length;
  if (complete && !truncated && (field !== '' || row.length > 0)) endRow();
  return rows.slice(0, maxRows + 1).filter((r) => !(r.length === 1 && r[0] === ''));
}
