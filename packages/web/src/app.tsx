import { Suspense, lazy } from 'react';
import { Link, NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/error-banner.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { NAV_SECTIONS } from './nav-sections.js';
import { ExperimentsPage } from './pages/experiments-page.js';
import { NotFoundPage, PendingSectionPage } from './pages/placeholder-pages.js';
import { RunsPage } from './pages/runs/runs-page.js';

// The chart library and the YAML parser load with the pages that use them, so the experiments
// and runs lists (the usual landing pages) start from a smaller bundle.
const RunPage = lazy(async () => ({ default: (await import('./pages/run/run-page.js')).RunPage }));
const ComparePage = lazy(async () => ({ default: (await import('./pages/compare/compare-page.js')).ComparePage }));
const RunRedirect = lazy(async () => ({ default: (await import('./pages/run/run-redirect.js')).RunRedirect }));
const ModelsPage = lazy(async () => ({ default: (await import('./pages/registry/models-page.js')).ModelsPage }));
const ModelPage = lazy(async () => ({ default: (await import('./pages/registry/model-page.js')).ModelPage }));
const JobsPage = lazy(async () => ({ default: (await import('./pages/jobs/jobs-page.js')).JobsPage }));
const JobPage = lazy(async () => ({ default: (await import('./pages/jobs/job-page.js')).JobPage }));
const JobRunPage = lazy(async () => ({ default: (await import('./pages/jobs/job-run-page.js')).JobRunPage }));
const ServingPage = lazy(async () => ({ default: (await import('./pages/serving/serving-page.js')).ServingPage }));
const EndpointPage = lazy(async () => ({ default: (await import('./pages/serving/endpoint-page.js')).EndpointPage }));
const TracesPage = lazy(async () => ({ default: (await import('./pages/traces/traces-page.js')).TracesPage }));
const TracePage = lazy(async () => ({ default: (await import('./pages/traces/trace-page.js')).TracePage }));
const VersionPage = lazy(async () => ({ default: (await import('./pages/registry/version-page.js')).VersionPage }));

function TopNav() {
  return (
    <header className="top-bar">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link to="/experiments" className="brand">
        Modelyard
      </Link>
      <nav aria-label="Main">
        <ul>
          {NAV_SECTIONS.map((s) =>
            s.pending ? (
              <li key={s.path}>
                <span className="nav-pending" aria-disabled="true" title={`${s.label} ${s.pending}`}>
                  {s.label}
                </span>
              </li>
            ) : (
              <li key={s.path}>
                <NavLink to={s.path}>{s.label}</NavLink>
              </li>
            ),
          )}
        </ul>
      </nav>
    </header>
  );
}

export function App() {
  const location = useLocation();
  return (
    <>
      <TopNav />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading what="the page" />}>
            <Routes>
              <Route path="/" element={<Navigate to="/experiments" replace />} />
              <Route path="/experiments" element={<ExperimentsPage />} />
              <Route path="/experiments/:experimentId" element={<RunsPage />} />
              <Route path="/experiments/:experimentId/runs/:runId" element={<RunPage />} />
              <Route path="/experiments/:experimentId/runs/:runId/:tab" element={<RunPage />} />
              <Route path="/compare" element={<ComparePage />} />
              <Route path="/runs/:runId" element={<RunRedirect />} />
              <Route path="/models" element={<ModelsPage />} />
              <Route path="/models/:name" element={<ModelPage />} />
              <Route path="/models/:name/versions/:version" element={<VersionPage />} />
              <Route path="/jobs" element={<JobsPage />} />
              <Route path="/jobs/runs/:runId" element={<JobRunPage />} />
              <Route path="/jobs/:jobId" element={<JobPage />} />
              <Route path="/serving" element={<ServingPage />} />
              <Route path="/serving/:name" element={<EndpointPage />} />
              <Route path="/traces" element={<TracesPage />} />
              <Route path="/traces/:traceId" element={<TracePage />} />
              {NAV_SECTIONS.filter((s) => s.pending).map((s) => (
                <Route key={s.path} path={`${s.path}/*`} element={<PendingSectionPage section={s} />} />
              ))}
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      </main>
    </>
  );
}
