import { resolve as resolvePath } from 'node:path';
import { InvalidParameterError } from '../../errors.js';
import { checkArtifactUriShape, localDirOfUri } from '../../artifacts/artifact-uri.js';
import { isInside, isLocalArtifactUri as isLocal } from '../../artifacts/artifact-location-policy.js';
import { joinArtifactUri } from '../tracking/tracking-stores.js';
import { parseModelUri, parseRunsUri, isModelsUri } from './model-uri.js';
import type { TrackingLookups } from './registry-deps.js';
import { validateSourceHasNoRelativePaths } from './registry-validation.js';

export interface SourceRequest {
  source: string;
  runId: string | null;
  modelId: string | null;
}

export interface ResolvedSource {
  /** Where the version's files are; what get-download-uri answers. */
  storageLocation: string;
  runId: string | null;
  modelId: string | null;
}

/**
 * Resolves a version's source to the location of its files: `runs:/<id>/<path>` → the run's
 * artifact URI + path, `models:/m-<id>` → the logged model's artifact location, `models:/name/…`
 * → that registry version's location; anything else is its own location. Run and model ids
 * found in the source fill in a missing `run_id` / `model_id`, so the lineage is kept even when a
 * client sends only the URI.
 */
export async function resolveSource(
  req: SourceRequest,
  tracking: TrackingLookups,
  registryLocation: (modelsUri: string) => Promise<string>,
): Promise<ResolvedSource> {
  const runs = parseRunsUri(req.source);
  if (runs) {
    validateSourceHasNoRelativePaths(runs.path);
    const root = await tracking.getRunArtifactUri(runs.runId);
    return {
      storageLocation: runs.path === '' ? root : joinArtifactUri(root, runs.path),
      runId: req.runId ?? runs.runId,
      modelId: req.modelId,
    };
  }
  if (isModelsUri(req.source)) {
    const parsed = parseModelUri(req.source);
    if (parsed.kind === 'logged_model') {
      const model = await tracking.getLoggedModel(parsed.modelId);
      return {
        storageLocation: model.artifactUri,
        runId: req.runId ?? model.sourceRunId ?? null,
        modelId: req.modelId ?? parsed.modelId,
      };
    }
    return { storageLocation: await registryLocation(req.source), runId: req.runId, modelId: req.modelId };
  }
  validateSourceHasNoRelativePaths(req.source);
  checkArtifactUriShape(req.source, 'source');
  if (isLocal(req.source)) await checkLocalSource(req, tracking);
  return { storageLocation: req.source, runId: req.runId, modelId: req.modelId };
}

/**
 * A local path would let a client register (and then download through the server) any file the
 * server can read, so MLflow only accepts one inside the artifact folder of the run (or logged
 * model) named with it.
 */
async function checkLocalSource(req: SourceRequest, tracking: TrackingLookups): Promise<void> {
  const owner = req.modelId ? 'model_id' : 'run_id';
  const fail = () =>
    new InvalidParameterError(
      `Invalid model version source: '${req.source}'. To use a local path as a model version source, the ${owner} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${owner}.`,
    );
  let rootUri: string | undefined;
  if (req.modelId) rootUri = (await tracking.getLoggedModel(req.modelId)).artifactUri;
  else if (req.runId) rootUri = await tracking.getRunArtifactUri(req.runId);
  if (rootUri === undefined || !isLocal(rootUri)) throw fail();
  const source = resolvePath(localDirOfUri(req.source, 'source'));
  if (!isInside(resolvePath(localDirOfUri(rootUri)), source)) throw fail();
}
