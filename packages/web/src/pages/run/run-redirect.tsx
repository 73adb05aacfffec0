import { Navigate, useParams } from 'react-router';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';

/**
 * `/runs/:runId`: a run link for places that know only the run id (a model version's source run,
 * a job run's MLflow run); it looks up the experiment and replaces itself with the run's page.
 */
export function RunRedirect() {
  const { runId = '' } = useParams();
  const run = useAsync(() => sdk().tracking.getRun(runId), [runId]);
  if (run.error) {
    return (
      <section className="page">
        <h1>Run {runId}</h1>
        <ErrorBanner title="Could not open the run" error={run.error} onRetry={run.reload} />
      </section>
    );
  }
  if (!run.data) return <Loading what="the run" />;
  return <Navigate replace to={`/experiments/${encodeURIComponent(run.data.info.experimentId)}/runs/${encodeURIComponent(runId)}`} />;
}
