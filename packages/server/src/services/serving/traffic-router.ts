import type { TrafficRoute } from '../../stores/serving/serving-endpoint-store.js';

/**
 * Smooth weighted round robin (as nginx balances upstreams): over every 100 picks each served
 * model gets exactly its percentage, interleaved rather than in runs, and without randomness, so
 * a 90/10 split is 90/10 from the first hundred requests on.
 */
export class TrafficRouter {
  private readonly routes: Array<{ name: string; weight: number; current: number }>;
  private readonly total: number;

  constructor(routes: readonly TrafficRoute[]) {
    this.routes = routes.filter((r) => r.percentage > 0).map((r) => ({ name: r.servedModelName, weight: r.percentage, current: 0 }));
    this.total = this.routes.reduce((s, r) => s + r.weight, 0);
  }

  /**
   * The served model for the next request. `available` says which can answer now; when the pick
   * cannot (still loading, failed), the request goes to the available one with most traffic
   * instead of failing.
   */
  pick(available: (name: string) => boolean): string | undefined {
    if (this.routes.length === 0) return undefined;
    let best = this.routes[0]!;
    for (const r of this.routes) {
      r.current += r.weight;
      if (r.current > best.current) best = r;
    }
    best.current -= this.total;
    if (available(best.name)) return best.name;
    const fallback = [...this.routes].sort((a, b) => b.weight - a.weight).find((r) => available(r.name));
    return fallback?.name;
  }
}
