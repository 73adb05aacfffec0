import { Link } from 'react-router';
import { searchVersions } from '../../api/registry.js';
import { ErrorBanner } from '../../components/error-banner.js';
import { filterLiteral } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { versionLink } from '../registry/registry-links.js';

/** The registered model versions whose source is this run (MLflow's `run_id` on the version). */
export function RunModelVersions({ runId }: { runId: string }) {
  const versions = useAsync((signal) => searchVersions(`run_id = ${filterLiteral(runId)}`, signal), [runId]);
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
            ({v.current_stage ?? 'None'}
            {v.aliases && v.aliases.length > 0 ? `, ${v.aliases.map((a) => `@${a}`).join(' ')}` : ''})
          </span>
        </li>
      ))}
    </ul>
  );
}
