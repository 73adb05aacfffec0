# The Python side of a Modelyard pool worker (runtime/python/python-worker-pool.ts):
# `python pyfunc_worker.py <model_dir> <MLmodel as JSON>` loads one MLflow model, then answers
# predict frames on stdin/stdout until stdin closes. It ships as a file of the package (copied
# into dist/ by the build) and runs where it is installed: nothing is written to a shared /tmp.
#
# Framing (both ways, little-endian): u32 header length, u32 body length, the header as UTF-8
# JSON, then the body. See frame-codec.ts for what the header says about the body.
#
# The protocol owns the process's real stdout: it is moved to a private descriptor before any
# model code runs, and fd 1 then points at stderr, so a model that prints (or a library that
# warns on stdout) cannot corrupt a frame.
import base64, importlib, io, json, os, pickle, struct, sys, traceback

PROTO_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
PROTO_IN = os.fdopen(os.dup(0), "rb", buffering=0)


class LoadError(Exception):
    pass


def read_exact(n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = PROTO_IN.readinto(view[got:])
        if not k:
            return None
        got += k
    return buf


def read_frame():
    head = read_exact(8)
    if head is None:
        return None, None
    hlen, blen = struct.unpack("<II", head)
    header = json.loads(bytes(read_exact(hlen)).decode("utf-8"))
    body = read_exact(blen) if blen else bytearray()
    return header, body


def write_frame(header, body=b""):
    h = json.dumps(header, allow_nan=False, default=str).encode("utf-8")
    PROTO_OUT.write(struct.pack("<II", len(h), len(body)) + h)
    if body:
        PROTO_OUT.write(body)


def add_code_paths(model_dir, conf):
    # MLflow puts the flavor's code folder (and what is inside it) on sys.path before loading.
    code = conf.get("code")
    if not code:
        return
    code_dir = os.path.join(model_dir, code)
    sys.path.insert(0, code_dir)
    if os.path.isdir(code_dir):
        for entry in os.listdir(code_dir):
            path = os.path.join(code_dir, entry)
            if os.path.isdir(path):
                sys.path.insert(0, path)


def load_pickled(path, fmt):
    if fmt not in ("pickle", "cloudpickle"):
        raise LoadError("unknown sklearn serialization_format '" + str(fmt) + "' (MLflow writes pickle or cloudpickle)")
    if fmt == "cloudpickle":
        try:
            import cloudpickle
            with open(path, "rb") as f:
                return cloudpickle.load(f)
        except ImportError:
            pass
    # A cloudpickle file of a fitted estimator from an installed package is plain pickle; only
    # functions or classes defined in a notebook need cloudpickle itself to load.
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] == "cloudpickle":
            raise LoadError("the model was saved with cloudpickle and holds code only cloudpickle can load; " + sys.executable + " cannot import cloudpickle (Debian: python3-cloudpickle; pip install cloudpickle)")
        raise LoadError("loading " + path + " needs the Python module '" + str(e.name) + "', which " + sys.executable + " cannot import; install the model's requirements (requirements.txt) or use --env-manager virtualenv")


class Loaded:
    def __init__(self, loader, predict, raw=None, predict_fn="predict"):
        self.loader = loader
        self.predict = predict
        self.raw = raw
        self.predict_fn = predict_fn


def call_predict(fn, df, params):
    if params:
        try:
            return fn(df, params=params)
        except TypeError as e:
            if "params" not in str(e):
                raise
    return fn(df)


def load_model(model_dir, meta):
    flavors = meta.get("flavors") or {}
    pyfunc = flavors.get("python_function")
    if pyfunc is None:
        raise LoadError("the model has no python_function flavor (flavors: " + ", ".join(flavors) + ")")
    loader_module = pyfunc.get("loader_module", "")
    predict_fn = pyfunc.get("predict_fn") or "predict"
    if os.environ.get("MODELYARD_PYTHON_LOADER", "auto") != "builtin":
        try:
            import mlflow.pyfunc
        except ImportError:
            pass  # the built-in loaders below
        else:
            model = mlflow.pyfunc.load_model(model_dir)
            impl = getattr(model, "_model_impl", None)
            raw = getattr(impl, "sklearn_model", None)
            return Loaded("mlflow.pyfunc " + getattr(sys.modules.get("mlflow"), "__version__", ""), lambda df, params: call_predict(model.predict, df, params), raw)
    add_code_paths(model_dir, pyfunc)
    if loader_module == "mlflow.sklearn" or (loader_module.startswith("mlflow.") and "sklearn" in flavors and loader_module != "mlflow.pyfunc.model"):
        sk = flavors.get("sklearn")
        if sk is None:
            raise LoadError("python_function names mlflow.sklearn but the model has no sklearn flavor")
        path = os.path.join(model_dir, sk.get("pickled_model", "model.pkl"))
        model = load_pickled(path, sk.get("serialization_format", "cloudpickle"))
        fn = getattr(model, predict_fn, None)
        if fn is None:
            raise LoadError("the sklearn model (" + type(model).__name__ + ") has no method " + predict_fn + " (python_function predict_fn)")
        return Loaded("built-in sklearn (" + sk.get("serialization_format", "cloudpickle") + ")", lambda df, params: fn(df), model, predict_fn)
    if loader_module.startswith("mlflow."):
        raise LoadError("the model's loader is " + loader_module + ", which needs mlflow; " + sys.executable + " cannot import mlflow. Install mlflow" + (("==" + str(meta["mlflow_version"])) if meta.get("mlflow_version") else "") + " there (pip install mlflow), pass --python with an interpreter that has it, or use --env-manager virtualenv")
    try:
        module = importlib.import_module(loader_module)
    except ImportError as e:
        raise LoadError("the model's loader_module '" + loader_module + "' cannot be imported by " + sys.executable + ": " + str(e))
    data = pyfunc.get("data")
    impl = module._load_pyfunc(os.path.join(model_dir, data) if data else model_dir)
    fn = getattr(impl, predict_fn, None) or impl.predict
    return Loaded(loader_module + "._load_pyfunc", lambda df, params: call_predict(fn, df, params), impl, predict_fn)


def classifier_of(loaded):
    raw = loaded.raw
    if raw is None or loaded.predict_fn != "predict":
        return None
    if not hasattr(raw, "predict_proba"):
        return None
    classes = getattr(raw, "classes_", None)
    if classes is None:
        return None
    return [c.item() if hasattr(c, "item") else c for c in classes]


def labels_follow_proba(loaded):
    # scikit-learn's forests define predict as classes_[argmax(predict_proba)]: when both are
    # asked for, one pass over the trees gives both (half the work of batch scoring a forest).
    if not loaded.loader.startswith("built-in sklearn") or loaded.predict_fn != "predict":
        return False
    est = loaded.raw.steps[-1][1] if hasattr(loaded.raw, "steps") else loaded.raw
    try:
        from sklearn.ensemble._forest import ForestClassifier
    except ImportError:
        return False
    return isinstance(est, ForestClassifier) and getattr(est, "n_outputs_", 1) == 1


def column_of(kind, n, body, at, pd, np):
    if kind == "f8":
        return np.frombuffer(body, dtype="<f8", count=n, offset=at), at + 8 * n
    if kind == "i8":
        return np.frombuffer(body, dtype="<i8", count=n, offset=at), at + 8 * n
    if kind == "b1":
        return np.frombuffer(body, dtype=np.uint8, count=n, offset=at).astype(bool), at + ((n + 7) // 8) * 8
    (size,) = struct.unpack_from("<I", body, at)
    values = json.loads(bytes(body[at + 4:at + 4 + size]).decode("utf-8"))
    return values, at + ((4 + size + 7) // 8) * 8


def to_frame(header, body, pd, np):
    n = header["rows"]
    data = {}
    at = 0
    for name, kind, mlflow_type in header["columns"]:
        values, at = column_of(kind, n, body, at, pd, np)
        # The signature's types, as MLflow's schema enforcement gives them to the model.
        if mlflow_type == "float":
            values = np.asarray(values, dtype=np.float32)
        elif mlflow_type == "integer" and kind == "i8":
            values = np.asarray(values, dtype=np.int32)
        elif mlflow_type == "datetime":
            values = pd.to_datetime(pd.Series(values))
        elif mlflow_type == "binary":
            values = [None if v is None else base64.b64decode(v) for v in values]
        elif kind == "obj":
            values = pd.Series(values, dtype=object)
        data[name] = values
    return pd.DataFrame(data, columns=[c[0] for c in header["columns"]])


def plain(v):
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if hasattr(v, "item") and not hasattr(v, "__len__"):
        return plain(v.item())
    if hasattr(v, "tolist"):
        return plain(v.tolist())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return None
    return v


def encode_values(out, pd, np):
    """(descriptor, bytes) of a model's answer: numbers as raw arrays, anything else as JSON."""
    if isinstance(out, pd.DataFrame):
        if out.shape[1] == 1:
            out = out.iloc[:, 0]
        else:
            # MLflow answers a multi-column frame as records.
            text = json.dumps(plain(out.to_dict(orient="records")), allow_nan=False).encode("utf-8")
            return {"kind": "json", "rows": len(out)}, text
    if isinstance(out, pd.Series):
        out = out.to_numpy()
    if isinstance(out, dict):
        text = json.dumps(plain(out), allow_nan=False).encode("utf-8")
        return {"kind": "json", "rows": -1}, text
    arr = np.asarray(out) if not isinstance(out, np.ndarray) else out
    if arr.ndim >= 1 and arr.dtype.kind in "fiub":
        rows = arr.shape[0]
        width = int(np.prod(arr.shape[1:])) if arr.ndim > 1 else 1
        if arr.dtype.kind == "f":
            return {"kind": "f8", "rows": rows, "width": width}, np.ascontiguousarray(arr, dtype="<f8").tobytes()
        if arr.dtype.kind == "b":
            return {"kind": "b1", "rows": rows, "width": width}, np.ascontiguousarray(arr, dtype=np.uint8).tobytes()
        return {"kind": "i8", "rows": rows, "width": width}, np.ascontiguousarray(arr, dtype="<i8").tobytes()
    values = plain(arr.tolist() if hasattr(arr, "tolist") else out)
    rows = len(values) if isinstance(values, list) else -1
    return {"kind": "json", "rows": rows}, json.dumps(values, allow_nan=False).encode("utf-8")


def pad8(b):
    extra = (-len(b)) % 8
    return b + b"\0" * extra if extra else b


def main():
    model_dir = sys.argv[1]
    # The MLmodel file as JSON (Modelyard has parsed its YAML already): no PyYAML needed here.
    meta = json.loads(sys.argv[2])
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:
        write_frame({"ready": False, "error": sys.executable + " cannot import " + str(e.name) + ", which every python_function model needs (Debian: python3-pandas python3-numpy; pip install pandas numpy)"})
        return 3
    try:
        loaded = load_model(model_dir, meta)
        classes = classifier_of(loaded)
    except LoadError as e:
        write_frame({"ready": False, "error": str(e)})
        return 3
    except Exception as e:
        write_frame({"ready": False, "error": "loading the model failed: " + type(e).__name__ + ": " + str(e), "trace": traceback.format_exc()[-4000:]})
        return 3
    from_proba = classes is not None and labels_follow_proba(loaded)
    write_frame({"ready": True, "pid": os.getpid(), "loader": loaded.loader, "python": sys.version.split()[0], "executable": sys.executable, "classes": classes})
    while True:
        header, body = read_frame()
        if header is None:
            return 0
        rid = header.get("id")
        try:
            df = to_frame(header, body, pd, np)
        except Exception as e:
            write_frame({"id": rid, "ok": False, "kind": "input", "error": type(e).__name__ + ": " + str(e)})
            continue
        try:
            want_proba = header.get("proba") and classes is not None
            proba = None
            if want_proba and from_proba:
                proba = loaded.raw.predict_proba(df)
                out = loaded.raw.classes_.take(np.argmax(proba, axis=1), axis=0)
            else:
                out = loaded.predict(df, header.get("params"))
            desc, payload = encode_values(out, pd, np)
            reply = {"id": rid, "ok": True, "pred": desc}
            parts = [pad8(payload)]
            if want_proba:
                proba = np.ascontiguousarray(loaded.raw.predict_proba(df) if proba is None else proba, dtype="<f8")
                reply["proba"] = {"classes": int(proba.shape[1]), "at": len(parts[0])}
                parts.append(proba.tobytes())
            write_frame(reply, b"".join(parts))
        except Exception as e:
            write_frame({"id": rid, "ok": False, "kind": "model", "error": type(e).__name__ + ": " + str(e), "trace": traceback.format_exc()[-4000:]})


if __name__ == "__main__":
    sys.exit(main())
