/**
 * How much of an offending value an error message quotes. A message names the field and shows
 * enough of the value to recognise it; echoing all of it would turn a 10 MB value into a 10 MB
 * error (and into a 10 MB log line wherever errors are logged).
 */
export const MAX_QUOTED_INPUT_CHARS = 200;

/** `text` when short, else its first `max` characters and how long it was. */
export function excerpt(text: string, max: number = MAX_QUOTED_INPUT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * Any input value as an error message quotes it: a string as it is, anything else as JSON, both
 * cut at `max` characters. The JSON is written only as far as it is shown, so a value nested
 * 5,000 levels deep costs no more than a flat one (JSON.stringify would recurse to the bottom
 * and overflow the stack). Numbers JSON has no literal for are written as MLflow spells them.
 */
export function excerptValue(value: unknown, max: number = MAX_QUOTED_INPUT_CHARS): string {
  if (typeof value === 'string') return excerpt(value, max);
  const out = { text: '' };
  writeBounded(value, out, max);
  return out.text.length > max ? `${out.text.slice(0, max)}…` : out.text;
}

// Each level writes at least one character before descending, so the recursion stops within
// `max` levels whatever the depth of the value.
function writeBounded(v: unknown, out: { text: string }, max: number): void {
  if (out.text.length > max) return;
  if (typeof v === 'string') {
    out.text += JSON.stringify(v.length > max ? v.slice(0, max + 1) : v);
  } else if (typeof v === 'number') {
    out.text += Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  } else if (v === null || typeof v === 'boolean' || typeof v === 'bigint') {
    out.text += String(v);
  } else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
    out.text += 'undefined';
  } else if (Array.isArray(v)) {
    out.text += '[';
    for (let i = 0; i < v.length && out.text.length <= max; i++) {
      if (i > 0) out.text += ',';
      writeBounded(v[i], out, max);
    }
    out.text += ']';
  } else {
    out.text += '{';
    let first = true;
    for (const key of Object.keys(v as object)) {
      if (out.text.length > max) break;
      if (!first) out.text += ',';
      first = false;
      out.text += `${JSON.stringify(key.length > max ? key.slice(0, max + 1) : key)}:`;
      writeBounded((v as Record<string, unknown>)[key], out, max);
    }
    out.text += '}';
  }
}
