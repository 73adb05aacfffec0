export type PreviewKind = 'image' | 'json' | 'csv' | 'tsv' | 'mlmodel' | 'text' | 'none';

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp']);
const TEXT = new Set([
  'txt', 'log', 'md', 'py', 'yaml', 'yml', 'ini', 'cfg', 'toml', 'sh', 'r', 'sql', 'html', 'xml', 'js', 'ts', 'java', 'scala',
  'conf', 'properties', 'jsonl', 'ndjson', 'rst', 'ipynb', 'lock',
]);
/** Files MLflow writes without an extension that are text. */
const TEXT_NAMES = new Set(['MLproject', 'requirements', 'LICENSE', 'README', 'Dockerfile']);

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function previewKind(path: string): PreviewKind {
  const name = baseName(path);
  if (name === 'MLmodel') return 'mlmodel';
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (IMAGE.has(ext)) return 'image';
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv') return 'tsv';
  if (TEXT.has(ext) || TEXT_NAMES.has(name)) return 'text';
  return 'none';
}
