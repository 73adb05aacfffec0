import { describe, expect, it } from 'vitest';
import { evaluateGate, GateRuleSyntaxError, parseGateRule } from './gate-rules.js';

const rules = (...src: string[]) => src.map(parseGateRule);

describe('gate rules', () => {
  it('passes when every rule holds', () => {
    const d = evaluateGate(
      rules('challenger.roc_auc >= 0.80', 'challenger.roc_auc >= champion.roc_auc - 0.01'),
      { challenger: { roc_auc: 0.84 }, champion: { roc_auc: 0.845 } },
      'PASS',
    );
    expect(d.passed).toBe(true);
    expect(d.summary).toBe('all 2 gate rule(s) passed');
  });

  it('fails with a reason naming the values compared', () => {
    const d = evaluateGate(
      rules('challenger.roc_auc >= 0.80', 'challenger.roc_auc >= champion.roc_auc - 0.01'),
      { challenger: { roc_auc: 0.79 }, champion: { roc_auc: 0.83 } },
      'PASS',
    );
    expect(d.passed).toBe(false);
    expect(d.results.map((r) => r.passed)).toEqual([false, false]);
    expect(d.results[0]!.reason).toBe('0.79 < 0.8 (challenger.roc_auc = 0.79)');
    expect(d.results[1]!.reason).toBe('0.79 < 0.82 (challenger.roc_auc = 0.79, champion.roc_auc = 0.83)');
    expect(d.summary).toContain("gate rule 'challenger.roc_auc >= champion.roc_auc - 0.01' failed: 0.79 < 0.82");
  });

  it('honours precedence, parentheses and unary minus', () => {
    const ok = (src: string, ch: number, cp: number) => evaluateGate(rules(src), { challenger: { m: ch }, champion: { m: cp } }, 'FAIL').passed;
    expect(ok('challenger.m <= champion.m * 1.05', 10.4, 10)).toBe(true);
    expect(ok('challenger.m <= champion.m * 1.05', 10.6, 10)).toBe(false);
    expect(ok('challenger.m > (champion.m - 1) * 2', 17, 9)).toBe(true);
    expect(ok('challenger.m > (champion.m - 1) * 2', 16, 9)).toBe(false);
    expect(ok('-challenger.m < -champion.m + 1', 5, 5)).toBe(true);
  });

  it('applies when_no_champion to rules that name the champion only', () => {
    const r = rules('challenger.r2 >= 0.3', 'challenger.r2 >= champion.r2');
    expect(evaluateGate(r, { challenger: { r2: 0.4 } }, 'PASS').passed).toBe(true);
    const failed = evaluateGate(r, { challenger: { r2: 0.4 } }, 'FAIL');
    expect(failed.passed).toBe(false);
    expect(failed.results[1]!.reason).toContain('no champion yet');
    expect(evaluateGate(r, { challenger: { r2: 0.2 } }, 'PASS').passed).toBe(false);
  });

  it('fails a rule whose metric is missing and lists the metrics there are', () => {
    const d = evaluateGate(rules('challenger.auc >= 0.8'), { challenger: { roc_auc: 0.9, f1: 0.7 } }, 'PASS');
    expect(d.results[0]).toEqual({ rule: 'challenger.auc >= 0.8', passed: false, reason: "challenger has no metric 'auc' (it has: f1, roc_auc)" });
  });

  it('reads quoted metric names', () => {
    const d = evaluateGate(rules('challenger.`val/loss` < 0.5'), { challenger: { 'val/loss': 0.4 } }, 'PASS');
    expect(d.passed).toBe(true);
  });

  it.each([
    ['challenger.roc_auc', /expected a comparison/],
    ['roc_auc >= 0.8', /unknown name 'roc_auc'/],
    ['champion.roc_auc >= 0.8', /must test at least one challenger/],
    ['challenger.roc_auc >= (0.8', /expected '\)'/],
    ['challenger.roc_auc >= 0.8 0.9', /unexpected '0.9'/],
    ['challenger. >= 1', /expected a metric name/],
    ['challenger.x >= 1 ; drop', /unexpected ';'/],
  ])('rejects %s', (src, why) => {
    expect(() => parseGateRule(src)).toThrow(GateRuleSyntaxError);
    expect(() => parseGateRule(src)).toThrow(why);
  });
});
