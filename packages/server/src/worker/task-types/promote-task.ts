import type { ModelVersion } from '../../domain/registry.js';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { ModelVersionService } from '../../services/registry/model-version-service.js';
import { ATTR } from '../../telemetry/attribute-names.js';
import { modelUriAttributes } from '../../telemetry/model-uri-attributes.js';
import type { TaskHandler } from './in-process-executor.js';

export interface PromoteTaskDeps {
  modelVersions: Pick<ModelVersionService, 'resolveModelUri' | 'transitionStage' | 'setAlias' | 'getByAlias'>;
}

export interface PromoteResult {
  kind: 'promote';
  name: string;
  version: number;
  fromStage: string;
  stage?: string;
  alias?: string;
  /** The version the alias pointed at before, if any. */
  previousAliasVersion?: number;
}

async function aliasHolder(deps: PromoteTaskDeps, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await deps.modelVersions.getByAlias(name, alias);
  } catch (e) {
    // A missing alias is INVALID_PARAMETER_VALUE in MLflow's registry, not a 404.
    if (e instanceof InvalidParameterError || e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/**
 * Moves a version's stage and/or alias through the registry services, so the move lands in the
 * registry's audit trail (and fires its webhooks) with the job run as the actor.
 */
export function promoteTask(deps: PromoteTaskDeps): TaskHandler {
  return async ({ request, actor, log, step }) => {
    if (request.task.type !== 'promote') throw new Error(`the promote handler got a '${request.task.type}' task`);
    const spec = request.task.promote;
    const target = { ...modelUriAttributes(spec.modelUri), [ATTR.toStage]: spec.stage, [ATTR.alias]: spec.alias };
    return step(`promote ${spec.modelUri}`, target, async (span) => {
      const { version: mv } = await deps.modelVersions.resolveModelUri(spec.modelUri);
      // The URI may name an alias or stage: the span records the version it resolved to.
      span.setAttributes({ [ATTR.modelName]: mv.name, [ATTR.modelVersion]: String(mv.version), [ATTR.fromStage]: mv.currentStage });
      const caller = { actor, comment: `job run ${request.jobRunId}, task ${request.taskKey}` };
      const result: PromoteResult = { kind: 'promote', name: mv.name, version: mv.version, fromStage: mv.currentStage };
      const done: string[] = [];
      if (spec.stage) {
        await deps.modelVersions.transitionStage(
          { name: mv.name, version: mv.version, stage: spec.stage, archiveExistingVersions: spec.archiveExistingVersions },
          caller,
        );
        result.stage = spec.stage;
        done.push(mv.currentStage === spec.stage ? `stage stays ${spec.stage}` : `stage ${mv.currentStage} → ${spec.stage}${spec.archiveExistingVersions ? ' (others archived)' : ''}`);
      }
      if (spec.alias) {
        const before = await aliasHolder(deps, mv.name, spec.alias);
        await deps.modelVersions.setAlias(mv.name, spec.alias, mv.version, caller);
        result.alias = spec.alias;
        if (before) {
          result.previousAliasVersion = before.version;
          span.setAttributes({ [ATTR.previousAliasVersion]: before.version });
        }
        done.push(before && before.version !== mv.version ? `@${spec.alias} moved from v${before.version}` : `@${spec.alias} set`);
      }
      const message = `${mv.name} v${mv.version}: ${done.join(', ')} (as ${actor})`;
      await log(message);
      return { message, result };
    });
  };
}
