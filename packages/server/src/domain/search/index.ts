export type {
  Comparison,
  ComparisonOp,
  ComparisonValue,
  EntityType,
  Filter,
  OrderByKey,
  SearchDialect,
} from './ast.js';
export { parseSearchFilter } from './filter-parser.js';
export { parseOrderBy, parseOrderByList } from './order-by-parser.js';
export { parseLoggedModelOrderBy } from './logged-model-order-by.js';
export type { LoggedModelOrderBy, LoggedModelOrderByInput } from './logged-model-order-by.js';
export { encodePageToken, decodePageToken, encodeBoundPageToken, decodeBoundPageToken } from './page-token.js';
export { DIALECTS, NUMERIC_OPS } from './dialects.js';
