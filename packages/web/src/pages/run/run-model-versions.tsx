import { Link } from 'react-router';
import { ErrorBanner } from '../../components/error-banner.js';
import { filterLiteral } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { versionLink } from '../registry/registry-links.js';
import { searchAllVersions } from '../registry/registry-queries.js';

/** The registered model versions whose source is this run (MLflow's `run_id` on the version). */
export function RunModelVersions({ runId }: { runId: string }) {
  const versions = useAsync(() => searchAllVersions(`run_id = ${filterLiteral(runId)}`), [runId]);
  if (versions.error) return <ErrorBanner title="Could not look up model versions" error={versions.error} onRetry={versions.reload} />;
  if (!versions.data) return <span className="muted">…</span>;
  if (versions.data.length === 0) return <>none</>;
  return (
    <ul className="plain-list run-model-versions">
      {versions.data.map((v) => (
        <li key={`${v.name}/${v.version}`}>
          <Link to={versionLink(v.name, v.version)}>
            {v.name} version {v.version}
          </Link>
          <span className="muted">
            {' '}
            ({v.currentStage}
            {v.aliases.length > 0 ? `, ${v.aliases.map((a) => `@${a}`).join(' ')}` : ''})
          </span>
        </li>
      ))}
    </ul>
  );
}
