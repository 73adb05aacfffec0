import type { GraphBuilder } from '../graph-builder.js';
import { attr } from '../onnx-proto.js';

/** Small builders for the default-domain (opset 17) operators the exporter needs. */

export function concatColumns(g: GraphBuilder, inputs: readonly string[]): string {
  if (inputs.length === 1) return inputs[0];
  return g.node('Concat', inputs, 1, { axis: attr.int(1) })[0];
}

export function divideByConstant(g: GraphBuilder, input: string, divisor: number): string {
  const d = g.floatConstant('divisor', [], [divisor]);
  return g.node('Div', [input, d], 1)[0];
}

export function sigmoid(g: GraphBuilder, input: string): string {
  return g.node('Sigmoid', [input], 1)[0];
}

export function softmaxRows(g: GraphBuilder, input: string): string {
  return g.node('Softmax', [input], 1, { axis: attr.int(1) })[0];
}

/** int64 [N]: the class value of each row's first largest probability. */
export function argmaxLabel(g: GraphBuilder, probabilities: string, classes: readonly number[]): string {
  const [index] = g.node('ArgMax', [probabilities], 1, { axis: attr.int(1), keepdims: attr.int(0), select_last_index: attr.int(0) });
  const values = g.int64Constant('classes', [classes.length], classes);
  return g.node('Gather', [values, index], 1, { axis: attr.int(0) })[0];
}
