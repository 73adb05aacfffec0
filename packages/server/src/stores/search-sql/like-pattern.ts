/**
 * MLflow's LIKE is case-sensitive on every backend, but SQLite's LIKE ignores ASCII case (and
 * `PRAGMA case_sensitive_like` would change it for the whole connection). GLOB is SQLite's
 * case-sensitive matcher and, like LIKE, can use an index for a literal prefix, so on SQLite a
 * LIKE pattern is translated into the GLOB pattern that matches exactly the same strings.
 *
 * Pattern language (both dialects): `%` any run of characters, `_` any one character, and a
 * backslash makes the next character literal — PostgreSQL's default LIKE escape, which we also
 * pass explicitly (`ESCAPE '\'`) so both dialects agree.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      out += globLiteral(pattern[++i]);
    } else if (c === '%') {
      out += '*';
    } else if (c === '_') {
      out += '?';
    } else {
      out += globLiteral(c);
    }
  }
  return out;
}

/** GLOB's metacharacters become one-character classes; everything else stands for itself. */
function globLiteral(c: string): string {
  return c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
}
