/** Uploaded next to the project; the `python_file` of every spark_python_task Modelyard submits. */
export const ENTRY_FILE = 'modelyard_entry.py';
/** The attempt's environment (MLflow ids, tracking URI, task env), read by the entry script. */
export const ENV_FILE = 'modelyard_env.json';

/**
 * A spark_python_task has no environment variables of its own (only a new cluster's
 * `spark_env_vars`, fixed for the cluster's life), yet the task's code must log into the job
 * run's MLflow run in Modelyard. So the entry script sets the attempt's variables from
 * modelyard_env.json, moves into the task's working directory (relative to the upload) and then:
 * - `python <file> args…`: runs the file as `__main__` in this very process, as
 *   `python file.py args…` would, so the cluster's Spark session is at hand;
 * - `exec <argv…>` / `shell <command>`: runs any other command as a child process on the driver
 *   (`/bin/sh -c` for a command string, as a local command task does); a non-zero exit raises,
 *   so the run fails with the code in its error.
 * Parameters: `<working dir> <mode> …`.
 */
export const ENTRY_SCRIPT = `# Written by Modelyard: runs one task attempt's command (see ${ENV_FILE}).
import json
import os
import runpy
import subprocess
import sys

try:
    _here = os.path.dirname(os.path.abspath(__file__))
except NameError:
    _here = os.path.dirname(os.path.abspath(sys.argv[0]))

with open(os.path.join(_here, "${ENV_FILE}"), encoding="utf-8") as _f:
    os.environ.update(json.load(_f))
os.environ["MODELYARD_PROJECT_DIR"] = _here

_workdir = os.path.normpath(os.path.join(_here, sys.argv[1]))
_mode = sys.argv[2]
os.chdir(_workdir)
if _mode == "python":
    _script = os.path.normpath(os.path.join(_workdir, sys.argv[3]))
    sys.argv = [_script] + sys.argv[4:]
    sys.path.insert(0, os.path.dirname(_script))
    runpy.run_path(_script, run_name="__main__")
else:
    _argv = ["/bin/sh", "-c", sys.argv[3]] if _mode == "shell" else sys.argv[3:]
    _code = subprocess.call(_argv)
    if _code != 0:
        raise RuntimeError("the command exited with code %d" % _code)
`;
