import { Link, useLocation } from 'react-router';
import type { NavSection } from '../nav-sections.js';

export function PendingSectionPage({ section }: { section: NavSection }) {
  return (
    <section className="page">
      <h1>{section.label}</h1>
      <p>
        This area {section.pending}; this server does not offer it yet. <Link to="/experiments">Back to experiments</Link>
      </p>
    </section>
  );
}

export function NotFoundPage() {
  const location = useLocation();
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{location.pathname}</code>. <Link to="/experiments">Go to experiments</Link>
      </p>
    </section>
  );
}
