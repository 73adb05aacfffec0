import { describe, expect, it } from 'vitest';
import { artifactContentType } from './content-type.js';

describe('artifactContentType', () => {
  it.each([
    ['model/MLmodel', 'text/plain'],
    ['MLproject', 'text/plain'],
    ['metrics.json', 'text/plain'],
    ['conda.yaml', 'text/plain'],
    ['train.log', 'text/plain'],
    ['plots/roc.PNG', 'image/png'],
    ['report.html', 'text/html'],
    ['model/model.onnx', 'application/octet-stream'],
    ['weights.pkl', 'application/octet-stream'],
    ['.hidden', 'application/octet-stream'],
    ['no-extension', 'application/octet-stream'],
  ])('%s → %s', (path, type) => {
    expect(artifactContentType(path)).toBe(type);
  });
});
