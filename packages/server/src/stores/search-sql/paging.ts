import { InvalidParameterError } from '../../errors.js';
import { decodeBoundPageToken, decodePageToken, encodeBoundPageToken, encodePageToken } from '../../domain/search/page-token.js';

export interface PageWindow {
  offset: number;
  /** One more than the page size: a full extra row proves there is a next page. */
  limit: number;
  pageSize: number;
  /** The request fields a bound token carries (logged-model search); undefined for plain tokens. */
  binding?: Readonly<Record<string, unknown>>;
}

/**
 * Offset from the page token, limit from max_results (validated by the caller). With a binding,
 * the token must have been issued for the same request fields (see decodeBoundPageToken).
 */
export function pageWindow(maxResults: number, pageToken: string | undefined, binding?: Readonly<Record<string, unknown>>): PageWindow {
  if (binding === undefined) return { offset: decodePageToken(pageToken), limit: maxResults + 1, pageSize: maxResults };
  return { offset: decodeBoundPageToken(pageToken, binding), limit: maxResults + 1, pageSize: maxResults, binding };
}

/** The page's ids and, when more rows exist, the token for the next page. */
export function pageOf<T>(rows: T[], window: PageWindow): { items: T[]; nextPageToken?: string } {
  if (rows.length <= window.pageSize) return { items: rows };
  const next = window.offset + window.pageSize;
  const nextPageToken = window.binding === undefined ? encodePageToken(next) : encodeBoundPageToken(next, window.binding);
  return { items: rows.slice(0, window.pageSize), nextPageToken };
}

/**
 * MLflow's bounds on max_results (SEARCH_MAX_RESULTS_THRESHOLD is 50,000 for runs and
 * experiments). `what` names the parameter in the message.
 */
export function checkMaxResults(maxResults: number, upperBound: number | undefined, what = 'max_results'): void {
  if (!Number.isSafeInteger(maxResults) || maxResults < 1) {
    throw new InvalidParameterError(`Invalid value for ${what}. It must be a positive integer, but got ${maxResults}`);
  }
  if (upperBound !== undefined && maxResults > upperBound) {
    throw new InvalidParameterError(`Invalid value for ${what}. It must be at most ${upperBound}, but got value ${maxResults}`);
  }
}

/**
 * Experiment ids arrive as strings (MLflow's protos); they are integers in the database. A
 * non-integer id could never match, and PostgreSQL would reject the comparison, so it is a client
 * error that names the id.
 */
export function parseExperimentIds(ids: readonly string[]): number[] {
  return ids.map((id) => {
    const trimmed = String(id).trim();
    if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
      throw new InvalidParameterError(`Invalid experiment id '${id}' in experiment_ids; experiment ids are integers such as '0' or '42'`);
    }
    return Number(trimmed);
  });
}
