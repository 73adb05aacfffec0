import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { childPath, ProblemList } from './problems.js';
import type { SourceLocation } from './problems.js';

/**
 * A YAML value together with where it came from. The validator works on this tree rather than on
 * plain JS values so that every problem can name its YAML path and line, including values that a
 * target merged in from another part of the file.
 */
export type LocatedNode = LocatedMap | LocatedSeq | LocatedScalar;

export interface LocatedMap {
  kind: 'map';
  at: SourceLocation;
  entries: Map<string, { keyAt: SourceLocation; value: LocatedNode }>;
}

export interface LocatedSeq {
  kind: 'seq';
  at: SourceLocation;
  items: LocatedNode[];
}

export interface LocatedScalar {
  kind: 'scalar';
  at: SourceLocation;
  value: string | number | boolean | null;
}

export interface ParsedYaml {
  root: LocatedNode | undefined;
  problems: ProblemList;
}

/** Parses YAML keeping node positions; syntax errors become problems (with their line) instead of throwing. */
export function parseLocatedYaml(text: string): ParsedYaml {
  const problems = new ProblemList();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.add({ path: '', line: pos.line, column: pos.col }, `YAML syntax error: ${firstLine(e.message)}`);
  }
  if (doc.errors.length > 0) return { root: undefined, problems };
  const locate = (node: YamlNode | null | undefined, path: string): SourceLocation => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { path, line: 0, column: 0 };
    const pos = lines.linePos(offset);
    return { path, line: pos.line, column: pos.col };
  };
  const convert = (node: unknown, path: string, depth: number): LocatedNode => {
    if (depth > 64) {
      problems.add(locate(node as YamlNode, path), 'nesting is too deep (more than 64 levels)');
      return { kind: 'scalar', at: locate(node as YamlNode, path), value: null };
    }
    const resolved = isAlias(node) ? (node.resolve(doc as Document) as unknown) : node;
    if (isMap(resolved)) {
      const entries: LocatedMap['entries'] = new Map();
      for (const pair of resolved.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyValue = isScalar(keyNode) ? keyNode.value : undefined;
        const keyAt = locate(keyNode, path);
        if (typeof keyValue !== 'string' && typeof keyValue !== 'number') {
          problems.add(keyAt, 'mapping keys must be plain strings');
          continue;
        }
        const key = String(keyValue);
        const valuePath = childPath(path, key);
        entries.set(key, { keyAt: { ...keyAt, path: valuePath }, value: convert(pair.value, valuePath, depth + 1) });
      }
      return { kind: 'map', at: locate(resolved as YamlNode, path), entries };
    }
    if (isSeq(resolved)) {
      return {
        kind: 'seq',
        at: locate(resolved as YamlNode, path),
        items: resolved.items.map((item, i) => convert(item, childPath(path, i), depth + 1)),
      };
    }
    if (isScalar(resolved)) {
      const v = resolved.value;
      const value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v === null || v === undefined ? null : String(v);
      return { kind: 'scalar', at: locate(resolved as YamlNode, path), value };
    }
    // An empty value (`key:` with nothing after it) has no node at all.
    return { kind: 'scalar', at: locate(undefined, path), value: null };
  };
  const root = doc.contents === null ? undefined : convert(doc.contents, '', 0);
  return { root, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** A plain JS value of a located node (used for free-form values such as tags). */
export function toPlain(node: LocatedNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, e] of node.entries) out[k] = toPlain(e.value);
  return out;
}

export function describeKind(node: LocatedNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'empty';
  return `${typeof node.value} ${JSON.stringify(node.value)}`;
}
