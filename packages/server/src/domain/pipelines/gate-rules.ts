/**
 * Gate rules: `challenger.roc_auc >= 0.80`, `challenger.rmse <= champion.rmse * 1.05`,
 * `challenger.roc_auc >= champion.roc_auc - 0.01`. Parsed once (validation reports a bad rule with
 * its line) and evaluated against the evaluate task's metrics. Pure.
 *
 *   rule   := sum CMP sum            CMP := >= | > | <= | < | == | !=
 *   sum    := product (('+'|'-') product)*
 *   product:= unary (('*'|'/') unary)*
 *   unary  := '-' unary | number | ref | '(' sum ')'
 *   ref    := (challenger|champion) '.' (name | `any name`)
 */
export type GateSubject = 'challenger' | 'champion';
export type Comparison = '>=' | '>' | '<=' | '<' | '==' | '!=';

export type GateExpr =
  | { kind: 'number'; value: number }
  | { kind: 'metric'; subject: GateSubject; metric: string }
  | { kind: 'neg'; operand: GateExpr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: GateExpr; right: GateExpr };

export interface GateRule {
  source: string;
  left: GateExpr;
  op: Comparison;
  right: GateExpr;
}

export class GateRuleSyntaxError extends Error {}

type Token = { t: 'num'; v: number } | { t: 'name'; v: string } | { t: 'quoted'; v: string } | { t: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['>=', '<=', '==', '!='].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>+-*/().'.includes(c)) {
      // A '.' directly followed by a digit starts a number such as `.5`.
      if (c !== '.' || !/[0-9]/.test(src[i + 1] ?? '')) {
        out.push({ t: 'op', v: c });
        i++;
        continue;
      }
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new GateRuleSyntaxError(`unclosed \` starting at character ${i + 1}`);
      out.push({ t: 'quoted', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    throw new GateRuleSyntaxError(`unexpected '${c}' at character ${i + 1}`);
  }
  return out;
}

const COMPARISONS: readonly string[] = ['>=', '>', '<=', '<', '==', '!='];

export function parseGateRule(source: string): GateRule {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => peek()?.t === 'op' && peek()?.v === v;
  const describe = (tok: Token | undefined) => (tok ? `'${String(tok.v)}'` : 'the end of the rule');
  const sum = (): GateExpr => {
    let left = product();
    while (isOp('+') || isOp('-')) {
      const op = tokens[pos++]!.v as '+' | '-';
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  };
  const product = (): GateExpr => {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const op = tokens[pos++]!.v as '*' | '/';
      left = { kind: 'binary', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): GateExpr => {
    const tok = peek();
    if (isOp('-')) {
      pos++;
      return { kind: 'neg', operand: unary() };
    }
    if (isOp('(')) {
      pos++;
      const inner = sum();
      if (!isOp(')')) throw new GateRuleSyntaxError(`expected ')' but found ${describe(peek())}`);
      pos++;
      return inner;
    }
    if (tok?.t === 'num') {
      pos++;
      return { kind: 'number', value: tok.v };
    }
    if (tok?.t === 'name') {
      if (tok.v !== 'challenger' && tok.v !== 'champion') {
        throw new GateRuleSyntaxError(`unknown name '${tok.v}': metrics are written challenger.<metric> or champion.<metric>`);
      }
      pos++;
      if (!isOp('.')) throw new GateRuleSyntaxError(`expected '.' and a metric name after '${tok.v}'`);
      pos++;
      const metric = peek();
      if (metric?.t !== 'name' && metric?.t !== 'quoted') {
        throw new GateRuleSyntaxError(`expected a metric name after '${tok.v}.' but found ${describe(metric)}`);
      }
      pos++;
      return { kind: 'metric', subject: tok.v, metric: metric.v };
    }
    throw new GateRuleSyntaxError(`expected a number, challenger.<metric> or champion.<metric> but found ${describe(tok)}`);
  };
  const left = sum();
  const opTok = peek();
  if (opTok?.t !== 'op' || !COMPARISONS.includes(opTok.v)) {
    throw new GateRuleSyntaxError(`expected a comparison (${COMPARISONS.join(' ')}) but found ${describe(opTok)}`);
  }
  pos++;
  const right = sum();
  if (pos < tokens.length) throw new GateRuleSyntaxError(`unexpected ${describe(peek())} after the rule`);
  if (!mentionsChallenger(left) && !mentionsChallenger(right)) {
    throw new GateRuleSyntaxError('a rule must test at least one challenger.<metric>');
  }
  return { source: source.trim(), left, op: opTok.v as Comparison, right };
}

function mentionsChallenger(e: GateExpr): boolean {
  if (e.kind === 'metric') return e.subject === 'challenger';
  if (e.kind === 'neg') return mentionsChallenger(e.operand);
  if (e.kind === 'binary') return mentionsChallenger(e.left) || mentionsChallenger(e.right);
  return false;
}

export function mentionsChampion(e: GateExpr): boolean {
  if (e.kind === 'metric') return e.subject === 'champion';
  if (e.kind === 'neg') return mentionsChampion(e.operand);
  if (e.kind === 'binary') return mentionsChampion(e.left) || mentionsChampion(e.right);
  return false;
}

export interface GateMetrics {
  challenger: Readonly<Record<string, number>>;
  /** Undefined when the model has no champion yet. */
  champion?: Readonly<Record<string, number>>;
}

export interface GateRuleResult {
  rule: string;
  passed: boolean;
  /** One line a person can act on: the values compared and, on failure, why. */
  reason: string;
}

export interface GateDecision {
  passed: boolean;
  results: GateRuleResult[];
  /** The failing rules' reasons joined, or a pass summary. */
  summary: string;
}

class MissingMetric extends Error {}

function evaluate(e: GateExpr, m: GateMetrics, used: Map<string, number>): number {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'neg':
      return -evaluate(e.operand, m, used);
    case 'binary': {
      const l = evaluate(e.left, m, used);
      const r = evaluate(e.right, m, used);
      return e.op === '+' ? l + r : e.op === '-' ? l - r : e.op === '*' ? l * r : l / r;
    }
    case 'metric': {
      const bag = m[e.subject];
      const value = bag?.[e.metric];
      if (value === undefined) {
        const known = Object.keys(bag ?? {}).sort();
        throw new MissingMetric(
          `${e.subject} has no metric '${e.metric}'${known.length ? ` (it has: ${known.join(', ')})` : ''}`,
        );
      }
      used.set(`${e.subject}.${e.metric}`, value);
      return value;
    }
  }
}

function compare(l: number, op: Comparison, r: number): boolean {
  switch (op) {
    case '>=':
      return l >= r;
    case '>':
      return l > r;
    case '<=':
      return l <= r;
    case '<':
      return l < r;
    case '==':
      return l === r;
    case '!=':
      return l !== r;
  }
}

const NEGATED: Record<Comparison, string> = { '>=': '<', '>': '<=', '<=': '>', '<': '>=', '==': '!=', '!=': '==' };

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Evaluates every rule (not just up to the first failure) so the report lists all reasons. */
export function evaluateGate(rules: readonly GateRule[], metrics: GateMetrics, whenNoChampion: 'PASS' | 'FAIL'): GateDecision {
  const results: GateRuleResult[] = rules.map((rule) => {
    if (!metrics.champion && (mentionsChampion(rule.left) || mentionsChampion(rule.right))) {
      const passed = whenNoChampion === 'PASS';
      return { rule: rule.source, passed, reason: `no champion yet: rule ${passed ? 'passes' : 'fails'} (when_no_champion: ${whenNoChampion})` };
    }
    const used = new Map<string, number>();
    try {
      const l = evaluate(rule.left, metrics, used);
      const r = evaluate(rule.right, metrics, used);
      if (Number.isNaN(l) || Number.isNaN(r)) {
        return { rule: rule.source, passed: false, reason: `a side is not a number (${fmt(l)} ${rule.op} ${fmt(r)})` };
      }
      const passed = compare(l, rule.op, r);
      const values = [...used].map(([k, v]) => `${k} = ${fmt(v)}`).join(', ');
      const reason = passed
        ? `${fmt(l)} ${rule.op} ${fmt(r)}`
        : `${fmt(l)} ${NEGATED[rule.op]} ${fmt(r)}${values ? ` (${values})` : ''}`;
      return { rule: rule.source, passed, reason };
    } catch (e) {
      if (e instanceof MissingMetric) return { rule: rule.source, passed: false, reason: e.message };
      throw e;
    }
  });
  const failed = results.filter((r) => !r.passed);
  const passed = failed.length === 0;
  const summary = passed
    ? `all ${results.length} gate rule(s) passed`
    : failed.map((f) => `gate rule '${f.rule}' failed: ${f.reason}`).join('; ');
  return { passed, results, summary };
}
