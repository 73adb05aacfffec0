import type { Pipeline } from '../pipeline/pipeline.js';
import { GraphBuilder } from './graph-builder.js';
import { exportClassifier, exportRegressor } from './export-estimator.js';
import { exportStep } from './export-steps.js';
import { ElementType, encodeModel } from './onnx-proto.js';
import { argmaxLabel } from './ops/core.js';

export interface ToOnnxOptions {
  /** Graph name. */
  name?: string;
  docString?: string;
}

export const NUMERIC_INPUT = 'input';
const RESERVED = new Set([NUMERIC_INPUT, 'label', 'probabilities', 'variable']);

/**
 * Exports a fitted pipeline (preprocessing and estimator) as one ONNX model: ir_version 8, opsets
 * '' 17 and ai.onnx.ml 3. Inputs: `input` float [N, numeric columns] and one string [N, 1] tensor
 * per categorical column, named after it. Outputs: `label` int64 [N] and `probabilities`
 * float [N, classes] for a classifier, `variable` float [N, 1] for a regressor.
 */
export function toOnnx(pipeline: Pipeline, options: ToOnnxOptions = {}): Uint8Array {
  const layout = pipeline.layout;
  const g = new GraphBuilder();
  for (const column of layout.categoricalColumns) {
    if (RESERVED.has(column)) throw new Error(`categorical column "${column}" clashes with an ONNX tensor name; rename it`);
  }
  let numeric = layout.numericColumns.length > 0 ? g.input(NUMERIC_INPUT, ElementType.FLOAT, ['N', layout.numericColumns.length]) : undefined;
  for (const column of layout.categoricalColumns) g.input(column, ElementType.STRING, ['N', 1]);
  pipeline.steps.forEach((step, i) => {
    numeric = exportStep(g, step, numeric, layout.numericFeaturesBeforeStep[i]);
  });
  if (numeric === undefined) throw new Error('the pipeline gives the estimator no features');
  if (layout.task === 'regression') {
    g.output('variable', exportRegressor(g, pipeline.estimator, numeric), ElementType.FLOAT, ['N', 1]);
  } else {
    const probabilities = exportClassifier(g, pipeline.estimator, numeric, layout.classes);
    g.output('label', argmaxLabel(g, probabilities, layout.classes), ElementType.INT64, ['N']);
    g.output('probabilities', probabilities, ElementType.FLOAT, ['N', layout.classes.length]);
  }
  const metadata: Record<string, string> = {
    'modelyard.numeric_columns': JSON.stringify(layout.numericColumns),
    'modelyard.categorical_columns': JSON.stringify(layout.categoricalColumns),
    'modelyard.task': layout.task,
  };
  if (layout.task === 'classification') metadata['modelyard.classes'] = JSON.stringify(layout.classes);
  return encodeModel({
    irVersion: 8,
    opsets: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    producerName: 'modelyard-learn',
    producerVersion: '0.1.0',
    docString: options.docString,
    graph: g.build(options.name ?? 'pipeline'),
    metadata,
  });
}
