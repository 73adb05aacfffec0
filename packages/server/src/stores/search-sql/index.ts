export { compareColumn, compareValue, like, ilike } from './column-comparison.js';
export { likeToGlob } from './like-pattern.js';
export { orderNullsLast, orderPlain, textSortKey } from './ordering.js';
export { checkMaxResults, pageOf, pageWindow, parseExperimentIds } from './paging.js';
export type { PageWindow } from './paging.js';
