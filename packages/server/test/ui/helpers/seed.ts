import { crc32, deflateSync } from 'node:zlib';
import { MlflowHttp } from '../../helpers/mlflow-http.js';

export interface SeededRun {
  runId: string;
  name: string;
  rocAuc: number;
  artifactUri: string;
}

export interface UiSeed {
  experimentId: string;
  otherExperimentId: string;
  runs: SeededRun[];
  childRunId: string;
  /** The run with artifacts, a dataset input, a child run and user tags. */
  richRun: SeededRun;
  lossSteps: number;
}

/** A tiny valid PNG (solid colour), built here so the image preview has a real image to show. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Uploads one file through the artifact proxy, where the run's `mlflow-artifacts:` root points. */
export async function uploadArtifact(baseUrl: string, artifactUri: string, path: string, body: string | Buffer): Promise<void> {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!m) throw new Error(`unexpected artifact root ${artifactUri}`);
  const res = await fetch(`${baseUrl}/api/2.0/mlflow-artifacts/artifacts/${m[1]}/${path}`, { method: 'PUT', body });
  if (!res.ok) throw new Error(`upload of ${path} answered ${res.status}: ${await res.text()}`);
}

const MLMODEL = `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
  python_function:
    data: model.onnx
    env:
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.9
model_uuid: 5f0c1d2e3a4b4c5d8e9f001122334455
run_id: RUN_ID
signature:
  inputs: '[{"type": "double", "name": "Glucose", "required": true}, {"type": "double", "name": "BMI", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
utc_time_created: '2025-01-15 10:00:00.000000'
`;

const RUNS = [
  { name: 'rf-deep', model: 'rf', depth: '12', rocAuc: 0.91 },
  { name: 'rf-medium', model: 'rf', depth: '8', rocAuc: 0.85 },
  { name: 'rf-shallow', model: 'rf', depth: '3', rocAuc: 0.72 },
  { name: 'lr-l1', model: 'lr', depth: '0', rocAuc: 0.66 },
  { name: 'lr-l2', model: 'lr', depth: '0', rocAuc: 0.83 },
  { name: 'lr-none', model: 'lr', depth: '0', rocAuc: 0.78 },
];

/**
 * The browser suites' data, written the way any MLflow client writes it: REST calls and
 * artifact uploads over the server's real port.
 */
export async function seedUiData(baseUrl: string): Promise<UiSeed> {
  const http = new MlflowHttp(baseUrl);
  const { experiment_id: experimentId } = await http.ok('/experiments/create', { name: 'ui-diabetes-classifiers', tags: [{ key: 'team', value: 'fraud' }] });
  const { experiment_id: otherExperimentId } = await http.ok('/experiments/create', { name: 'ui-regression-baselines' });
  const t0 = Date.UTC(2025, 0, 15, 10, 0, 0);
  const lossSteps = 200;
  const runs: SeededRun[] = [];
  for (const [i, spec] of RUNS.entries()) {
    const created = await http.ok('/runs/create', {
      experiment_id: experimentId,
      run_name: spec.name,
      user_id: 'alice',
      start_time: t0 + i * 60_000,
      tags: [{ key: 'mlflow.source.name', value: 'train.py' }, { key: 'mlflow.source.type', value: 'LOCAL' }],
    });
    const runId: string = created.run.info.run_id;
    const metrics = [{ key: 'roc_auc', value: spec.rocAuc, timestamp: t0 + i * 60_000 + 30_000, step: 0 }];
    for (let s = 0; s < lossSteps; s++) {
      metrics.push({ key: 'loss', value: (1 - spec.rocAuc / 2) * Math.exp(-s / 60) + 0.05 * Math.sin(s / 3) + 0.1, timestamp: t0 + i * 60_000 + s * 100, step: s });
    }
    await http.ok('/runs/log-batch', {
      run_id: runId,
      metrics,
      params: [
        { key: 'model', value: spec.model },
        { key: 'max_depth', value: spec.depth },
      ],
      tags: [{ key: 'stage', value: 'candidate' }],
    });
    await http.ok('/runs/update', { run_id: runId, status: 'FINISHED', end_time: t0 + i * 60_000 + 45_000 });
    runs.push({ runId, name: spec.name, rocAuc: spec.rocAuc, artifactUri: created.run.info.artifact_uri });
  }

  const richRun = runs[0]!;
  const child = await http.ok('/runs/create', {
    experiment_id: experimentId,
    run_name: 'rf-deep-fold-0',
    start_time: t0 + 10 * 60_000,
    tags: [{ key: 'mlflow.parentRunId', value: richRun.runId }],
  });
  await http.ok('/runs/log-inputs', {
    run_id: richRun.runId,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'pima_diabetes', digest: 'a1b2c3d4', source_type: 'local', source: '{"uri": "shared/data/pima_diabetes.csv"}' },
      },
    ],
  });
  await uploadArtifact(baseUrl, richRun.artifactUri, 'metrics.json', JSON.stringify({ roc_auc: 0.91, f1: 0.77 }));
  await uploadArtifact(baseUrl, richRun.artifactUri, 'data/holdout.csv', 'Glucose,BMI,Outcome\n148,33.6,1\n85,26.6,0\n183,23.3,1\n');
  await uploadArtifact(baseUrl, richRun.artifactUri, 'notes.txt', 'trained on the pima dataset\n');
  await uploadArtifact(baseUrl, richRun.artifactUri, 'model/MLmodel', MLMODEL.replace('RUN_ID', richRun.runId));
  await uploadArtifact(baseUrl, richRun.artifactUri, 'plots/roc.png', solidPng(40, 30, [220, 40, 40]));
  return { experimentId, otherExperimentId, runs, childRunId: child.run.info.run_id, richRun, lossSteps };
}
