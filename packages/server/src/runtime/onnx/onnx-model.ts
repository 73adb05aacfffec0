import { openModel } from '@modelyard/sdk';
import type { MlModel } from '@modelyard/sdk';
import { RequestCoalescer } from '../request-coalescer.js';
import type { RuntimeBackend } from '../runtime-backend.js';

/** Opens a model's ONNX flavor in ONNX Runtime (in process), with its request coalescer. */
export async function openOnnxModel(localDir: string, uri: string, intraOpNumThreads: number): Promise<RuntimeBackend> {
  const model = await openModel(localDir, { intraOpNumThreads, uri });
  const isClassifier = model.outputNames.includes('probabilities');
  let coalescer: RequestCoalescer | undefined;
  return {
    kind: 'onnx',
    mlmodel: model.mlmodel,
    isClassifier,
    ...(isClassifier ? classLabelsOf(model.mlmodel) : {}),
    // The graph answers probabilities with every label and takes no params.
    predictColumns: (columns, rows) => model.predictColumns(columns, rows),
    predictCoalesced: (columns, rows) => (coalescer ??= new RequestCoalescer((c, r) => model.predictColumns(c, r))).run(columns, rows),
    close: () => model.close(),
  };
}

/**
 * Class labels, when the MLmodel's output signature names them: a `classes` entry in the
 * onnx flavor (written by exporters that know them), else none — predictions are then the
 * graph's own label values and probabilities are in label order 0..k-1.
 */
function classLabelsOf(mlmodel: MlModel): { classLabels?: Array<string | number> } {
  const classes = mlmodel.flavors.onnx?.classes;
  if (Array.isArray(classes) && classes.every((c) => typeof c === 'string' || typeof c === 'number')) return { classLabels: classes };
  return {};
}
