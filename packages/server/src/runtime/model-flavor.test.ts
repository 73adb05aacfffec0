import { describe, expect, it } from 'vitest';
import type { MlModel } from '@modelyard/sdk';
import { chooseRuntime } from './model-flavor.js';

const model = (...flavors: string[]): MlModel => ({ artifactPath: 'model', flavors: Object.fromEntries(flavors.map((f) => [f, {}])), modelUuid: 'x', utcTimeCreated: '' });

describe('chooseRuntime', () => {
  it.each([
    [['onnx', 'python_function'], 'auto', 'onnx'],
    [['python_function', 'sklearn'], 'auto', 'python'],
    [['onnx', 'python_function'], 'python', 'python'],
    [['onnx'], 'onnx', 'onnx'],
  ] as const)('%j with --flavor %s runs in %s', (flavors, choice, want) => {
    expect(chooseRuntime(model(...flavors), choice, 'm')).toBe(want);
  });

  it.each([
    [['python_function', 'sklearn'], 'onnx', /has no onnx flavor \(flavors: python_function, sklearn\); run it in Python with --flavor python/],
    [['onnx'], 'python', /has no python_function flavor \(flavors: onnx\); run it with --flavor onnx/],
    [['spark'], 'auto', /has neither an onnx nor a python_function flavor \(flavors: spark\)/],
  ] as const)('%j with --flavor %s is refused, naming the flavors', (flavors, choice, message) => {
    expect(() => chooseRuntime(model(...flavors), choice, 'm')).toThrow(message);
  });
});
