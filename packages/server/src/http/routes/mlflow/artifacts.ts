import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FileInfo } from '../../../artifacts/artifact-repository.js';
import { InvalidParameterError } from '../../../errors.js';
import type { Services } from '../../../services/services.js';
import { mlflowRoute } from '../../mlflow-route.js';

/** service.proto ListArtifacts; `run_uuid` is the deprecated spelling MLflow still accepts. */
const ListArtifacts = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  path: z.string().optional(),
  page_token: z.string().optional(),
});

export interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** MLflow's FileInfo: `file_size` is left out for folders. */
export function fileInfoToJson(f: FileInfo): FileInfoJson {
  return f.fileSize === undefined ? { path: f.path, is_dir: f.isDir } : { path: f.path, is_dir: f.isDir, file_size: f.fileSize };
}

export function registerArtifactListRoutes(app: FastifyInstance, services: Pick<Services, 'artifacts'>): void {
  mlflowRoute(app, {
    method: 'GET',
    path: '/artifacts/list',
    request: ListArtifacts,
    handler: async (msg) => {
      const runId = msg.run_id || msg.run_uuid;
      if (!runId) {
        throw new InvalidParameterError(
          "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
        );
      }
      // MLflow's local and proxied listings return everything in one page and never set
      // next_page_token, so page_token is accepted and has nothing to select.
      const listing = await services.artifacts.listRunArtifacts(runId, msg.path);
      const files = listing.files.map(fileInfoToJson);
      return files.length > 0 ? { root_uri: listing.rootUri, files } : { root_uri: listing.rootUri };
    },
  });
}
