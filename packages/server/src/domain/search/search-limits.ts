/**
 * Bounds on one search request, so that no search can make the database work without end.
 *
 * MLflow sets none (mlflow/utils/search_utils.py parses whatever it gets; only sqlparse ≥ 0.5.4,
 * which it parses with, refuses statements past 10,000 tokens). Unbounded, a filter of ~1,000
 * ANDed clauses failed on SQLite ("Expression tree is too large") and kept a PostgreSQL backend
 * busy for minutes. So the numbers are ours:
 * - 100 comparisons per filter: far more than a hand-written or UI-built filter holds, and a
 *   100-clause search over thousands of runs answers in a fraction of a second on both dialects
 *   (stores/search-sql/exists-probe.ts).
 * - 64 KiB of filter text: room for a long `run_id IN (…)` list (about 1,800 run ids) or a few
 *   6,000-character param values (MLflow's longest), while bounding the tokenizer's work and the
 *   number of bound parameters one query can carry (well below SQLite's 32,766 and PostgreSQL's
 *   65,535).
 * - 20 order_by keys: each metric/param/tag key is one more joined table (SQLite refuses more
 *   than 64 in a query), and on PostgreSQL 60 keys took over a second to plan.
 * - 20 `datasets` entries (SearchLoggedModels): each is a term of an OR that every metric
 *   comparison repeats, and SQLite refuses expressions nested past 1,000 levels.
 */
export const SEARCH_LIMITS = {
  maxFilterClauses: 100,
  maxFilterLength: 64 * 1024,
  maxOrderByKeys: 20,
  maxDatasets: 20,
} as const;
