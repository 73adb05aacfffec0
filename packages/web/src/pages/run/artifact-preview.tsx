import { useEffect, useMemo, useState } from 'react';
import { parse as parseYaml } from 'yaml';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { SignatureTables } from '../../components/signature-tables.js';
import { baseName, previewKind } from '../../lib/artifact-kind.js';
import { parseCsvHead } from '../../lib/csv.js';
import { formatBytes } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';

/** How much of a text artifact is fetched for a preview. */
const TEXT_PREVIEW_BYTES = 512 * 1024;
const CSV_PREVIEW_BYTES = 128 * 1024;
const CSV_ROWS = 50;

function ImagePreview({ artifactUri, path }: { artifactUri: string; path: string }) {
  const blob = useAsync(() => sdk().artifacts.readBlob(artifactUri, path), [artifactUri, path]);
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    if (!blob.data) return;
    // Served as an attachment by the proxy; an object URL lets <img> show it without navigating.
    const u = URL.createObjectURL(blob.data);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob.data]);
  if (blob.error) return <ErrorBanner title={`Could not load ${path}`} error={blob.error} onRetry={blob.reload} />;
  if (!url) return <Loading what={baseName(path)} />;
  return <img className="artifact-image" src={url} alt={path} />;
}

function CsvTable({ rows }: { rows: string[][] }) {
  const [header, ...body] = rows;
  if (!header) return <p className="muted">Empty file.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table csv-table">
        <thead>
          <tr>
            {header.map((h, i) => (
              <th scope="col" key={i}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The MLmodel file: flavors and the signature as tables, then the YAML itself. */
function MlmodelPreview({ text }: { text: string }) {
  const parsed = useMemo(() => {
    try {
      return { doc: parseYaml(text) as Record<string, unknown> | null };
    } catch (e) {
      return { error: e instanceof Error ? e : new Error(String(e)) };
    }
  }, [text]);
  if ('error' in parsed && parsed.error) return <ErrorBanner title="This MLmodel file is not valid YAML" error={parsed.error} />;
  const doc = ('doc' in parsed ? parsed.doc : null) ?? {};
  const flavors = doc.flavors && typeof doc.flavors === 'object' ? Object.keys(doc.flavors) : [];
  const signature = (doc.signature ?? {}) as { inputs?: unknown; outputs?: unknown };
  return (
    <div className="mlmodel">
      <dl className="facts">
        <dt>Flavors</dt>
        <dd>{flavors.length > 0 ? flavors.join(', ') : '—'}</dd>
        {typeof doc.model_uuid === 'string' && (
          <>
            <dt>Model UUID</dt>
            <dd className="mono">{doc.model_uuid}</dd>
          </>
        )}
        {typeof doc.utc_time_created === 'string' && (
          <>
            <dt>Created (UTC)</dt>
            <dd>{doc.utc_time_created}</dd>
          </>
        )}
      </dl>
      <SignatureTables signature={signature} />
      <pre className="text-preview">{text}</pre>
    </div>
  );
}

function TextLikePreview({ artifactUri, path }: { artifactUri: string; path: string }) {
  const kind = previewKind(path);
  const limit = kind === 'csv' || kind === 'tsv' ? CSV_PREVIEW_BYTES : TEXT_PREVIEW_BYTES;
  const content = useAsync(() => sdk().artifacts.readTextHead(artifactUri, path, limit), [artifactUri, path, limit]);
  if (content.error) return <ErrorBanner title={`Could not load ${path}`} error={content.error} onRetry={content.reload} />;
  if (!content.data) return <Loading what={baseName(path)} />;
  const { text, truncated } = content.data;
  const note = truncated ? <p className="muted">Showing the first {formatBytes(limit)}; download the file for the rest.</p> : null;
  if (kind === 'mlmodel') return <MlmodelPreview text={text} />;
  if (kind === 'json' && !truncated) {
    try {
      return <pre className="text-preview json">{JSON.stringify(JSON.parse(text), null, 2)}</pre>;
    } catch {
      // not valid JSON: show it as it is
    }
  }
  if (kind === 'csv' || kind === 'tsv') {
    const rows = parseCsvHead(text, CSV_ROWS, truncated, kind === 'tsv' ? '\t' : ',');
    return (
      <>
        <p className="muted">First {Math.max(0, rows.length - 1)} rows.</p>
        <CsvTable rows={rows} />
      </>
    );
  }
  return (
    <>
      {note}
      <pre className="text-preview">{text}</pre>
    </>
  );
}

export function ArtifactPreview({ artifactUri, path }: { artifactUri: string; path: string }) {
  const kind = previewKind(path);
  let href: string | undefined;
  let urlError: Error | undefined;
  try {
    href = sdk().artifacts.downloadUrl(artifactUri, path);
  } catch (e) {
    urlError = e instanceof Error ? e : new Error(String(e));
  }
  return (
    <section className="artifact-preview" aria-label={`Preview of ${path}`}>
      <header className="preview-header">
        <h2 className="mono">{path}</h2>
        {href && (
          <a href={href} download={baseName(path)}>
            Download
          </a>
        )}
      </header>
      {urlError && <ErrorBanner title="No preview" error={urlError} />}
      {!urlError && kind === 'image' && <ImagePreview artifactUri={artifactUri} path={path} />}
      {!urlError && kind !== 'image' && kind !== 'none' && <TextLikePreview artifactUri={artifactUri} path={path} />}
      {!urlError && kind === 'none' && <p className="muted">No preview for this file type; download it to open it.</p>}
    </section>
  );
}
