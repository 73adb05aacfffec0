import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tracker } from '@modelyard/sdk';
import { registerModelWith } from '@modelyard/sdk';
import { datasetPath } from '../helpers/datasets.js';

/**
 * Debian's interpreter, which has python3-sklearn, python3-pandas and python3-numpy (.ci/run
 * installs them). The first python3 on PATH may be another build that cannot see them.
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether Debian's Python with scikit-learn and pandas is here (CI installs it, so CI always has it). */
export function hasSklearn(): boolean {
  if (!existsSync(DEBIAN_PYTHON)) return false;
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import sklearn, pandas, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether mlflow itself is importable (it is not packaged by Debian; the tests then cover the built-in loaders and say so). */
export function hasMlflow(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import mlflow'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Trains scikit-learn models and saves each as `mlflow.sklearn.save_model` lays a model out
 * (MLflow's documented format): MLmodel with python_function + sklearn flavors and a signature,
 * model.pkl, conda.yaml, python_env.yaml, requirements.txt, input_example.json. It also writes
 * `expected.json` in each folder: scikit-learn's own predictions (and probabilities) on `rows`,
 * which Modelyard's answers must equal.
 */
const TRAIN_SCRIPT = String.raw`
import json, os, pickle, platform, sys, uuid, datetime
import numpy as np, pandas as pd, sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

spec = json.loads(sys.argv[1])
out = spec["out"]

def yaml_dump(v, indent=0):
    pad = "  " * indent
    if isinstance(v, dict):
        lines = []
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                lines.append(pad + k + ":\n" + yaml_dump(x, indent + 1))
            else:
                lines.append(pad + k + ": " + scalar(x))
        return "\n".join(lines)
    return "\n".join(pad + "- " + scalar(x) for x in v)

def scalar(x):
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, (dict, list)):
        return json.dumps(x)
    return json.dumps(str(x))

def mlflow_type(dtype):
    return {"f": "double", "i": "long", "b": "boolean"}.get(dtype.kind, "string")

def save(model, folder, X, serialization, output_type):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.pkl"), "wb") as f:
        try:
            if serialization != "cloudpickle":
                raise ImportError
            import cloudpickle
            cloudpickle.dump(model, f)
        except ImportError:
            pickle.dump(model, f)
    inputs = [{"type": mlflow_type(X[c].dtype), "name": c, "required": True} for c in X.columns]
    py = platform.python_version()
    mlmodel = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn",
                "model_path": "model.pkl",
                "predict_fn": "predict",
                "python_version": py,
            },
            "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": serialization, "sklearn_version": sklearn.__version__},
        },
        "mlflow_version": "2.9.2",
        "model_uuid": uuid.uuid4().hex,
        "saved_input_example_info": {"artifact_path": "input_example.json", "pandas_orient": "split", "type": "dataframe"},
        "signature": {"inputs": json.dumps(inputs), "outputs": json.dumps([{"type": output_type, "required": True}]), "params": None},
        "utc_time_created": str(datetime.datetime.utcnow()),
    }
    with open(os.path.join(folder, "MLmodel"), "w") as f:
        f.write(yaml_dump(mlmodel) + "\n")
    reqs = ["scikit-learn==" + sklearn.__version__, "numpy==" + np.__version__, "pandas==" + pd.__version__] + spec.get("extra_requirements", [])
    with open(os.path.join(folder, "requirements.txt"), "w") as f:
        f.write("\n".join(reqs) + "\n")
    with open(os.path.join(folder, "python_env.yaml"), "w") as f:
        f.write(yaml_dump({"python": py, "build_dependencies": ["pip"], "dependencies": ["-r requirements.txt"]}) + "\n")
    with open(os.path.join(folder, "conda.yaml"), "w") as f:
        f.write(yaml_dump({"channels": ["conda-forge"], "dependencies": ["python=" + py, "pip", {"pip": reqs}], "name": "mlflow-env"}) + "\n")
    example = X.head(3)
    with open(os.path.join(folder, "input_example.json"), "w") as f:
        json.dump(json.loads(example.to_json(orient="split", index=False)), f)

def expected(model, X, folder):
    pred = model.predict(X)
    doc = {"predictions": pred.tolist()}
    if hasattr(model, "predict_proba"):
        doc["probabilities"] = model.predict_proba(X).tolist()
        doc["classes"] = model.classes_.tolist()
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(doc, f)

pima = pd.read_csv(spec["pima"])
for m in spec["models"]:
    X, y = pima.drop(columns=["Outcome"]), pima["Outcome"]
    if m.get("float_features"):
        X = X.astype("float64")
    folder = os.path.join(out, m["name"])
    if m["kind"] == "forest":
        model = RandomForestClassifier(n_estimators=m.get("trees", 20), max_depth=m.get("depth"), random_state=m.get("seed", 0)).fit(X, y)
        save(model, folder, X, m.get("serialization", "cloudpickle"), "long")
        expected(model, X.head(m.get("rows", 50)), folder)
    elif m["kind"] == "logistic":
        model = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=m.get("c", 1.0), max_iter=1000))]).fit(X, y)
        save(model, folder, X, m.get("serialization", "cloudpickle"), "long")
        expected(model, X.head(m.get("rows", 50)), folder)
    elif m["kind"] == "lambda":
        # A lambda defined here (__main__), as in a notebook: only cloudpickle can save and load it.
        model = Pipeline([("log", FunctionTransformer(lambda Z: np.log1p(np.clip(Z, 0, None)))), ("lr", LogisticRegression(max_iter=1000))]).fit(X, y)
        save(model, folder, X, "cloudpickle", "long")
        expected(model, X.head(m.get("rows", 50)), folder)
    elif m["kind"] == "ridge":
        raw = pd.read_csv(spec["diabetes"])
        Xr, yr = raw.drop(columns=["Y"]), raw["Y"]
        numeric = [c for c in Xr.columns if c != "SEX"]
        Xr = Xr.astype({c: "float64" for c in numeric})
        pre = ColumnTransformer([("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), numeric), ("cat", OneHotEncoder(handle_unknown="ignore"), ["SEX"])])
        model = Pipeline([("pre", pre), ("ridge", Ridge(alpha=m.get("alpha", 1.0)))]).fit(Xr, yr)
        save(model, folder, Xr, m.get("serialization", "pickle"), "double")
        expected(model, Xr.head(m.get("rows", 50)), folder)
    else:
        raise SystemExit("unknown model kind " + m["kind"])
`;

export interface TrainedModel {
  dir: string;
  expected: { predictions: Array<number | string>; probabilities?: number[][]; classes?: Array<number | string> };
}

export type ModelSpec =
  | { name: string; kind: 'forest'; trees?: number; depth?: number; seed?: number; rows?: number; serialization?: 'pickle' | 'cloudpickle'; float_features?: boolean }
  | { name: string; kind: 'logistic'; c?: number; rows?: number; serialization?: 'pickle' | 'cloudpickle' }
  /** A pipeline with a lambda in a FunctionTransformer: saved with cloudpickle, which it needs (train only where cloudpickle is importable). */
  | { name: string; kind: 'lambda'; rows?: number }
  | { name: string; kind: 'ridge'; alpha?: number; rows?: number; serialization?: 'pickle' | 'cloudpickle' };

/** Trains the models with Debian's scikit-learn into `out/<name>` and reads back what scikit-learn predicted. */
export function trainSklearnModels(out: string, models: ModelSpec[], opts: { extraRequirements?: string[] } = {}): Record<string, TrainedModel> {
  const spec = { out, pima: datasetPath('pima_diabetes.csv'), diabetes: datasetPath('sklearn_diabetes_raw.csv'), models, extra_requirements: opts.extraRequirements ?? [] };
  execFileSync(DEBIAN_PYTHON, ['-c', TRAIN_SCRIPT, JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return Object.fromEntries(
    models.map((m) => {
      const dir = join(out, m.name);
      return [m.name, { dir, expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as TrainedModel['expected'] }];
    }),
  );
}

/**
 * A custom python_function model whose loader_module lives in the model's `code` folder (no
 * mlflow needed): `predict` returns `x * 2`, after writing its pid to `<model>/busy.pid` and
 * sleeping `delay` seconds (the first row's), so tests can kill or outwait a worker mid-request.
 * Each call appends its row count to `<model>/calls.log`; a negative `x` raises.
 */
export function writeSlowModel(dir: string): string {
  execFileSync('mkdir', ['-p', join(dir, 'code'), join(dir, 'data')]);
  // An empty folder would not be logged as an artifact.
  writeFileSync(join(dir, 'data', 'config.json'), '{}\n');
  writeFileSync(
    join(dir, 'code', 'slow_model.py'),
    [
      'import os, time',
      'class SlowModel:',
      '    def __init__(self, path):',
      '        self.path = path',
      '    def predict(self, df):',
      '        with open(os.path.join(os.path.dirname(os.path.abspath(self.path)), "calls.log"), "a") as f:',
      '            f.write(str(len(df)) + "\\n")',
      '        if (df["x"] < 0).any():',
      '            raise ValueError("x must not be negative")',
      '        delay = float(df["delay"].iloc[0])',
      '        if delay > 0:',
      '            with open(os.path.join(os.path.dirname(os.path.abspath(self.path)), "busy.pid"), "w") as f:',
      '                f.write(str(os.getpid()))',
      '            time.sleep(delay)',
      '        return df["x"] * 2',
      'def _load_pyfunc(path):',
      '    return SlowModel(path)',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'MLmodel'),
    [
      'artifact_path: model',
      'flavors:',
      '  python_function:',
      '    code: code',
      '    data: data',
      '    loader_module: slow_model',
      '    python_version: 3.11.2',
      "model_uuid: 5f0c2b9e0d6c4d3e8c1a7b6e5d4c3b2a",
      'signature:',
      `  inputs: '[{"type": "double", "name": "delay", "required": true}, {"type": "double", "name": "x", "required": true}]'`,
      `  outputs: '[{"type": "double", "required": true}]'`,
      "utc_time_created: '2026-01-01 00:00:00.000000'",
      '',
    ].join('\n'),
  );
  return dir;
}

/** Logs a model folder as the artifacts of a new run (`model/`) and registers it, as mlflow.sklearn.log_model(registered_model_name=) does. */
export async function logFolderAndRegister(tracker: Tracker, dir: string, name: string): Promise<string> {
  return tracker.withRun({}, async (run) => {
    await tracker.logArtifacts(dir, 'model');
    const version = await registerModelWith(tracker.client, `runs:/${run.runId}/model`, name, { runId: run.runId, source: `${run.artifactUri}/model` });
    return version.version;
  });
}
