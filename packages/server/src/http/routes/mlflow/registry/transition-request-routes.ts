import type { FastifyInstance } from 'fastify';
import {
  ApproveTransitionRequest,
  CreateTransitionRequest,
  DeleteTransitionRequest,
  ListTransitionRequests,
  RejectTransitionRequest,
  TransitionModelVersionStageDatabricks,
} from '@modelyard/contract';
import type { TransitionRequest } from '../../../../domain/registry.js';
import { mlflowRoute } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { compact } from '../json/tracking-json.js';
import { modelVersionToJson } from './registry-json.js';
import { callerOf } from './request-actor.js';

/**
 * Databricks' stage-transition approval workflow, in its request and response shapes (the
 * Databricks SDK's `modelRegistry` client talks to these). Not part of MLflow OSS.
 */

const OPEN_REQUEST_ACTIONS = ['APPROVE_TRANSITION_REQUEST', 'REJECT_TRANSITION_REQUEST', 'CANCEL_TRANSITION_REQUEST'];

function pendingActivity(r: TransitionRequest): Record<string, unknown> {
  return compact({
    id: String(r.requestId),
    activity_type: 'REQUESTED_TRANSITION',
    comment: r.comment,
    creation_timestamp: r.creationTimestamp,
    last_updated_timestamp: r.creationTimestamp,
    to_stage: r.toStage,
    user_id: r.requestedBy,
  });
}

function resolvedActivity(r: TransitionRequest, type: string, fromStage?: string): Record<string, unknown> {
  return compact({
    id: String(r.requestId),
    activity_type: type,
    comment: r.resolvedComment,
    creation_timestamp: r.resolvedTimestamp,
    last_updated_timestamp: r.resolvedTimestamp,
    from_stage: fromStage,
    to_stage: r.toStage,
    user_id: r.resolvedBy,
  });
}

export function registerTransitionRequestRoutes(app: FastifyInstance, registry: RegistryServices): void {
  const requests = registry.transitionRequests;

  mlflowRoute(app, {
    method: 'POST',
    path: '/transition-requests/create',
    request: CreateTransitionRequest,
    handler: async (msg, req) => {
      const r = await requests.create(msg, callerOf(req, msg.comment));
      return {
        request: compact({
          available_actions: OPEN_REQUEST_ACTIONS,
          comment: r.comment,
          creation_timestamp: r.creationTimestamp,
          to_stage: r.toStage,
          user_id: r.requestedBy,
        }),
      };
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/transition-requests/list',
    request: ListTransitionRequests,
    handler: async (msg) => compact({ requests: (await requests.list(msg.name, msg.version)).map(pendingActivity) }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/transition-requests/approve',
    request: ApproveTransitionRequest,
    handler: async (msg, req) => {
      const out = await requests.approve({ ...msg, archiveExistingVersions: msg.archive_existing_versions }, callerOf(req, msg.comment));
      return { activity: resolvedActivity(out.requests[0]!, 'APPROVED_REQUEST', out.fromStage) };
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/transition-requests/reject',
    request: RejectTransitionRequest,
    handler: async (msg, req) => ({ activity: resolvedActivity((await requests.reject(msg, callerOf(req, msg.comment)))[0]!, 'REJECTED_REQUEST') }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/transition-requests/delete',
    request: DeleteTransitionRequest,
    handler: async (msg, req) => ({ activity: resolvedActivity((await requests.cancel(msg, callerOf(req, msg.comment)))[0]!, 'CANCELLED_REQUEST') }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/databricks/model-versions/transition-stage',
    request: TransitionModelVersionStageDatabricks,
    handler: async (msg, req) => {
      const mv = await registry.modelVersions.transitionStage(
        { name: msg.name, version: msg.version, stage: msg.stage, archiveExistingVersions: msg.archive_existing_versions },
        callerOf(req, msg.comment),
      );
      return { model_version_databricks: modelVersionToJson(mv) };
    },
  });
}
