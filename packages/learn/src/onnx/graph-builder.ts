import type { AttributeValue, GraphData, NodeData, TensorData, ValueInfoData } from './onnx-proto.js';
import { ElementType } from './onnx-proto.js';

export const ML_DOMAIN = 'ai.onnx.ml';

/** Collects nodes, constants, inputs and outputs, handing out unique tensor names. */
export class GraphBuilder {
  private readonly nodes: NodeData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: ValueInfoData[] = [];
  private readonly outputs: ValueInfoData[] = [];
  private readonly valueInfo: ValueInfoData[] = [];
  private readonly used = new Set<string>();

  /** Reserves a name exactly as given (graph inputs and outputs have fixed names). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX tensor name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  fresh(prefix: string): string {
    let i = 0;
    while (this.used.has(`${prefix}_${i}`)) i++;
    return this.reserve(`${prefix}_${i}`);
  }

  /** Adds a node; `outputs` are exact names or a count of fresh names. Returns the output names. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number,
    attributes: Record<string, AttributeValue> = {},
    domain = '',
  ): string[] {
    const prefix = opType.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? '_' : '') + c.toLowerCase());
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(prefix)) : [...outputs];
    this.nodes.push({ opType, domain, name: `${opType}_${this.nodes.length}`, inputs, outputs: names, attributes });
    return names;
  }

  floatConstant(prefix: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, elementType: ElementType.FLOAT, dims, floats: values });
    return name;
  }

  int64Constant(prefix: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, elementType: ElementType.INT64, dims, int64s: values });
    return name;
  }

  input(name: string, elementType: ElementType, shape: readonly (number | string)[]): string {
    this.inputs.push({ name: this.reserve(name), elementType, shape });
    return name;
  }

  /** Declares a graph output, produced by an Identity of `source`. */
  output(name: string, source: string, elementType: ElementType, shape: readonly (number | string)[]): void {
    this.node('Identity', [source], [this.reserve(name)]);
    this.outputs.push({ name, elementType, shape });
  }

  /**
   * Records the type and shape of an intermediate tensor. onnx's shape inference knows nothing
   * about some ai.onnx.ml operators (Imputer, OneHotEncoder), so without this the nodes after them
   * fail onnx.checker's full check even though onnxruntime runs the graph.
   */
  declare(name: string, elementType: ElementType, shape: readonly (number | string)[]): string {
    this.valueInfo.push({ name, elementType, shape });
    return name;
  }

  build(name: string): GraphData {
    return {
      name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      valueInfo: this.valueInfo,
    };
  }
}
