import type { MlModel } from '@modelyard/sdk';
import type { RuntimeKind } from './runtime-backend.js';

/** `--flavor`: which runtime runs a model that has both an onnx and a python_function flavor. */
export const FLAVOR_CHOICES = ['auto', 'onnx', 'python'] as const;
export type FlavorChoice = (typeof FLAVOR_CHOICES)[number];

/**
 * ONNX is the fast path: `auto` takes it whenever the model has an onnx flavor, and runs any
 * other python_function model in Python. A forced choice the model cannot take is an error that
 * says which flavors it has.
 */
export function chooseRuntime(mlmodel: MlModel, choice: FlavorChoice, uri: string): RuntimeKind {
  const flavors = Object.keys(mlmodel.flavors);
  const hasOnnx = mlmodel.flavors.onnx !== undefined;
  const hasPython = mlmodel.flavors.python_function !== undefined;
  if (choice === 'onnx') {
    if (hasOnnx) return 'onnx';
    throw new Error(`model '${uri}' has no onnx flavor (flavors: ${flavors.join(', ')}); ${hasPython ? 'run it in Python with --flavor python (or auto)' : 'it cannot run in ONNX Runtime'}`);
  }
  if (choice === 'python') {
    if (hasPython) return 'python';
    throw new Error(`model '${uri}' has no python_function flavor (flavors: ${flavors.join(', ')}); ${hasOnnx ? 'run it with --flavor onnx (or auto)' : 'MLflow cannot load it as a python_function either'}`);
  }
  if (hasOnnx) return 'onnx';
  if (hasPython) return 'python';
  throw new Error(`model '${uri}' has neither an onnx nor a python_function flavor (flavors: ${flavors.join(', ') || 'none'}); Modelyard runs models MLflow can load as python_function`);
}
