import type { Columns, MlModel, Prediction } from '@modelyard/sdk';

/** Which runtime runs a model: ONNX Runtime in process, or a pool of Python workers. */
export type RuntimeKind = 'onnx' | 'python';

/** Per-call options of a prediction. */
export interface PredictOptions {
  /** MLflow's scoring `params`, handed to the model's `predict(data, params=...)` (the ONNX path takes none). */
  params?: Record<string, unknown> | undefined;
  /**
   * Class probabilities are wanted too (batch scoring, evaluate, `params.probabilities`). ONNX
   * graphs answer them anyway; a Python classifier runs `predict_proba` only when asked.
   */
  probabilities?: boolean | undefined;
}

/** How a Python model runs, for logs, `/version`-style answers and tests. */
export interface PythonModelInfo {
  /** `mlflow.pyfunc <version>`, `built-in sklearn (cloudpickle)` or `<loader_module>._load_pyfunc`. */
  loader: string;
  pythonVersion: string;
  executable: string;
  envManager: string;
  envDir?: string;
  /** Process ids of the live workers. */
  pids(): number[];
}

/** One opened model, whichever runtime runs it: what the model runtime caches and shares. */
export interface RuntimeBackend {
  kind: RuntimeKind;
  mlmodel: MlModel;
  isClassifier: boolean;
  /** Class labels in probability column order, when known. */
  classLabels?: Array<string | number>;
  python?: PythonModelInfo;
  /** Checks the columns against the signature (ModelInputError naming the column) and predicts. */
  predictColumns(columns: Columns, rows: number, options?: PredictOptions): Promise<Prediction>;
  /** Like `predictColumns`, merged with other concurrent small requests when the runtime can. */
  predictCoalesced(columns: Columns, rows: number, options?: PredictOptions): Promise<Prediction>;
  close(): Promise<void>;
}
