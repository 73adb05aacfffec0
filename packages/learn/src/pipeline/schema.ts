/** An input column as MLflow's column-based signature names it. */
export interface InputColumnSpec {
  readonly name: string;
  readonly type: 'double' | 'string';
}

/** An output tensor of the exported ONNX graph, in MLflow tensor-spec terms. */
export interface OutputTensorSpec {
  readonly name: string;
  /** numpy dtype name, as MLflow tensor specs write it. */
  readonly type: 'int64' | 'float32';
  /** -1 for the batch dimension. */
  readonly shape: readonly number[];
}

export type Task = 'classification' | 'regression';
