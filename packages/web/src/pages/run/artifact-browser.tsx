import { useState } from 'react';
import type { FileInfo, Run } from '@modelyard/sdk/client';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { baseName } from '../../lib/artifact-kind.js';
import { formatBytes } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { ArtifactPreview } from './artifact-preview.js';

interface TreeProps {
  runId: string;
  path: string | undefined;
  selected: string;
  onSelect(path: string): void;
}

/** One folder's entries, listed when the folder is first opened. */
function ArtifactFolder({ runId, path, selected, onSelect }: TreeProps) {
  const listing = useAsync(() => sdk().artifacts.listRunArtifacts(runId, path), [runId, path]);
  if (listing.error) return <ErrorBanner title={`Could not list ${path ?? 'the artifacts'}`} error={listing.error} onRetry={listing.reload} />;
  if (!listing.data) return <Loading what="artifacts" />;
  if (listing.data.length === 0) return <p className="muted">{path ? 'Empty folder.' : 'No artifacts were logged for this run.'}</p>;
  const files = [...listing.data].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path));
  return (
    <ul className="artifact-tree" role={path ? 'group' : 'tree'} aria-label={path ? undefined : 'Artifacts'}>
      {files.map((f) => (
        <ArtifactEntry key={f.path} runId={runId} file={f} selected={selected} onSelect={onSelect} />
      ))}
    </ul>
  );
}

function ArtifactEntry({ runId, file, selected, onSelect }: { runId: string; file: FileInfo; selected: string; onSelect(path: string): void }) {
  // A folder on the way to the selected file starts open, so a shared link shows where it points.
  const [open, setOpen] = useState(() => selected.startsWith(`${file.path}/`));
  const name = baseName(file.path);
  if (file.isDir) {
    return (
      <li role="treeitem" aria-expanded={open} aria-selected={false}>
        <button type="button" className="tree-button" onClick={() => setOpen((o) => !o)}>
          <span aria-hidden="true">{open ? '▾ ' : '▸ '}</span>
          {name}/
        </button>
        {open && <ArtifactFolder runId={runId} path={file.path} selected={selected} onSelect={onSelect} />}
      </li>
    );
  }
  const isSelected = selected === file.path;
  return (
    <li role="treeitem" aria-selected={isSelected}>
      <button type="button" className={`tree-button${isSelected ? ' selected' : ''}`} onClick={() => onSelect(file.path)} aria-current={isSelected ? 'true' : undefined}>
        {name} <span className="muted">{formatBytes(file.fileSize)}</span>
      </button>
    </li>
  );
}

export function ArtifactBrowser({ run }: { run: Run }) {
  const [path, setPath] = useQueryParam('path');
  return (
    <div className="artifact-browser">
      <div className="artifact-tree-pane">
        <ArtifactFolder runId={run.info.runId} path={undefined} selected={path} onSelect={(p) => setPath(p)} />
      </div>
      <div className="artifact-preview-pane">
        {path ? <ArtifactPreview artifactUri={run.info.artifactUri} path={path} /> : <p className="muted">Pick a file to preview it.</p>}
      </div>
    </div>
  );
}
