import { describeKind } from './located-yaml.js';
import type { LocatedMap, LocatedNode, LocatedSeq } from './located-yaml.js';
import type { ProblemList } from './problems.js';

/**
 * Reads typed fields out of a located mapping, reporting every unknown field and wrong type with
 * its path and line. Getters return undefined after reporting, so callers can go on validating.
 */
export class FieldReader {
  constructor(
    readonly source: LocatedMap,
    readonly problems: ProblemList,
  ) {}

  /** Reports fields not in `allowed`; `allowed` is listed in the message so the fix is obvious. */
  only(allowed: readonly string[], what: string): void {
    for (const [key, e] of this.source.entries) {
      if (!allowed.includes(key)) {
        this.problems.add(e.keyAt, `unknown field '${key}' in ${what} (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  has(key: string): boolean {
    return this.source.entries.has(key);
  }

  node(key: string): LocatedNode | undefined {
    return this.source.entries.get(key)?.value;
  }

  private missing(key: string, required: boolean, what?: string): undefined {
    if (required) this.problems.add(this.source.at, `missing required field '${key}'${what ? ` (${what})` : ''}`);
    return undefined;
  }

  string(key: string, opts: { required?: boolean; nonEmpty?: boolean; hint?: string } = {}): string | undefined {
    const n = this.node(key);
    if (!n || (n.kind === 'scalar' && n.value === null)) return this.missing(key, opts.required ?? false, opts.hint);
    if (n.kind !== 'scalar' || typeof n.value === 'boolean') {
      this.problems.add(n.at, `must be a string, got ${describeKind(n)}`);
      return undefined;
    }
    const s = String(n.value);
    if ((opts.nonEmpty ?? true) && s.trim() === '') {
      this.problems.add(n.at, 'must not be empty');
      return undefined;
    }
    return s;
  }

  integer(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const n = this.node(key);
    if (!n || (n.kind === 'scalar' && n.value === null)) return this.missing(key, opts.required ?? false);
    if (n.kind !== 'scalar' || typeof n.value !== 'number' || !Number.isInteger(n.value)) {
      this.problems.add(n.at, `must be an integer, got ${describeKind(n)}`);
      return undefined;
    }
    if (opts.min !== undefined && n.value < opts.min) {
      this.problems.add(n.at, `must be at least ${opts.min}, got ${n.value}`);
      return undefined;
    }
    if (opts.max !== undefined && n.value > opts.max) {
      this.problems.add(n.at, `must be at most ${opts.max}, got ${n.value}`);
      return undefined;
    }
    return n.value;
  }

  boolean(key: string): boolean | undefined {
    const n = this.node(key);
    if (!n || (n.kind === 'scalar' && n.value === null)) return undefined;
    if (n.kind !== 'scalar' || typeof n.value !== 'boolean') {
      this.problems.add(n.at, `must be true or false, got ${describeKind(n)}`);
      return undefined;
    }
    return n.value;
  }

  oneOf<T extends string>(key: string, values: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const s = this.string(key, opts);
    if (s === undefined) return undefined;
    if (!(values as readonly string[]).includes(s)) {
      this.problems.add(this.node(key)!.at, `must be one of ${values.join(', ')}, got '${s}'`);
      return undefined;
    }
    return s as T;
  }

  /** A list of strings; a scalar is reported, not silently wrapped. */
  stringList(key: string): string[] | undefined {
    const seq = this.seq(key);
    if (!seq) return undefined;
    const out: string[] = [];
    for (const item of seq.items) {
      if (item.kind !== 'scalar' || item.value === null || typeof item.value === 'boolean') {
        this.problems.add(item.at, `must be a string, got ${describeKind(item)}`);
        continue;
      }
      out.push(String(item.value));
    }
    return out;
  }

  /** A mapping of string → string (tags, env); numbers and booleans are written as YAML gives them. */
  stringMap(key: string): Record<string, string> {
    const n = this.node(key);
    const out: Record<string, string> = {};
    if (!n || (n.kind === 'scalar' && n.value === null)) return out;
    if (n.kind !== 'map') {
      this.problems.add(n.at, `must be a mapping of names to values, got ${describeKind(n)}`);
      return out;
    }
    for (const [k, e] of n.entries) {
      const v = e.value;
      if (v.kind !== 'scalar' || v.value === null) {
        this.problems.add(v.at, `must be a string, got ${describeKind(v)}`);
        continue;
      }
      out[k] = String(v.value);
    }
    return out;
  }

  map(key: string, opts: { required?: boolean } = {}): LocatedMap | undefined {
    const n = this.node(key);
    if (!n || (n.kind === 'scalar' && n.value === null)) return this.missing(key, opts.required ?? false);
    if (n.kind !== 'map') {
      this.problems.add(n.at, `must be a mapping, got ${describeKind(n)}`);
      return undefined;
    }
    return n;
  }

  seq(key: string, opts: { required?: boolean } = {}): LocatedSeq | undefined {
    const n = this.node(key);
    if (!n || (n.kind === 'scalar' && n.value === null)) return this.missing(key, opts.required ?? false);
    if (n.kind !== 'seq') {
      this.problems.add(n.at, `must be a list, got ${describeKind(n)}`);
      return undefined;
    }
    return n;
  }
}

/** A reader over `node` if it is a mapping; reports it otherwise. */
export function readerFor(node: LocatedNode, problems: ProblemList, what: string): FieldReader | undefined {
  if (node.kind !== 'map') {
    problems.add(node.at, `${what} must be a mapping, got ${describeKind(node)}`);
    return undefined;
  }
  return new FieldReader(node, problems);
}
