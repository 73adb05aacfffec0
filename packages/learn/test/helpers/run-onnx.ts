import * as ort from 'onnxruntime-node';
import type { DataFrame, Pipeline } from '../../src/index.js';
import { toOnnx, toOnnxFeeds } from '../../src/index.js';

export interface OnnxRun {
  session: ort.InferenceSession;
  outputs: ort.InferenceSession.OnnxValueMapType;
  bytes: Uint8Array;
}

/** Exports the pipeline, loads it in onnxruntime-node and scores `frame`. */
export async function runOnnx(pipeline: Pipeline, frame: DataFrame, options: ort.InferenceSession.SessionOptions = {}): Promise<OnnxRun> {
  const bytes = toOnnx(pipeline, { name: 'test' });
  const session = await ort.InferenceSession.create(bytes, options);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(toOnnxFeeds(pipeline, frame))) {
    feeds[name] = feed.type === 'float32' ? new ort.Tensor('float32', feed.data, [...feed.dims]) : new ort.Tensor('string', feed.data, [...feed.dims]);
  }
  return { session, outputs: await session.run(feeds), bytes };
}
