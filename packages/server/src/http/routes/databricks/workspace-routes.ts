import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { WorkspaceDelete, WorkspaceGetStatus, WorkspaceImport, WorkspaceList, WorkspaceMkdirs } from '@modelyard/contract';
import type { WorkspaceObjectJson } from '@modelyard/contract';
import type { WorkspaceFiles, WorkspaceObject } from '../../../services/workspace/workspace-files.js';
import { validate } from '../../mlflow-route.js';

/**
 * The Databricks Workspace API's file calls under `/api/2.0/workspace`, over `WorkspaceFiles`
 * (`<dataDir>/workspace`): what a Databricks client, Modelyard's own Databricks executor among
 * them, calls to ship code before `runs/submit`. Like the Jobs API routes, they take no
 * authentication yet: a bearer token the SDK sends is ignored.
 */
export function registerWorkspaceRoutes(app: FastifyInstance, files: WorkspaceFiles): void {
  const route = <S extends z.ZodTypeAny>(method: 'GET' | 'POST', path: string, schema: S, handler: (m: z.output<S>) => Promise<unknown>) => {
    app.route({
      method,
      url: `/api/2.0/workspace${path}`,
      handler: async (req, reply) => {
        const out = await handler(validate(schema, method === 'GET' ? (req.query ?? {}) : (req.body ?? {})));
        return reply.type('application/json').send(out ?? {});
      },
    });
  };

  route('POST', '/mkdirs', WorkspaceMkdirs, async (m) => {
    await files.mkdirs(m.path);
  });
  route('POST', '/import', WorkspaceImport, async (m) => {
    await files.import({ path: m.path, ...(m.content !== undefined ? { content: m.content } : {}), ...(m.format ? { format: m.format } : {}), ...(m.overwrite !== undefined ? { overwrite: m.overwrite } : {}) });
  });
  route('GET', '/get-status', WorkspaceGetStatus, async (m) => objectJson(await files.getStatus(m.path)));
  route('GET', '/list', WorkspaceList, async (m) => {
    const objects = await files.list(m.path);
    return objects.length > 0 ? { objects: objects.map(objectJson) } : {};
  });
  route('POST', '/delete', WorkspaceDelete, async (m) => {
    await files.delete(m.path, m.recursive ?? false);
  });
}

function objectJson(o: WorkspaceObject): WorkspaceObjectJson {
  return {
    path: o.path,
    object_type: o.objectType,
    object_id: o.objectId,
    ...(o.size !== undefined ? { size: o.size } : {}),
    created_at: o.createdAt,
    modified_at: o.modifiedAt,
  };
}
