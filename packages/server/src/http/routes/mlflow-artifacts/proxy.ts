import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { int64, repeated } from '@modelyard/contract';
import { BadRequestError } from '../../../errors.js';
import type { ArtifactDownload } from '../../../services/artifacts/artifact-service.js';
import type { Services } from '../../../services/services.js';
import { validate } from '../../mlflow-route.js';
import { fileInfoToJson } from '../mlflow/artifacts.js';

/** MLflow serves the artifact proxy (`mlflow server --serve-artifacts`) under both prefixes. */
export const MLFLOW_ARTIFACTS_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

const ListArtifacts = z.object({ path: z.string().optional() });

/** mlflow_artifacts.proto; MLflow checks these before finding out the repository cannot do multipart. */
const MULTIPART = {
  create: z.object({ path: z.string().min(1), num_parts: int64().optional() }),
  complete: z.object({
    path: z.string().min(1),
    upload_id: z.string().optional(),
    parts: repeated(z.object({ part_number: int64().optional(), etag: z.string().optional(), url: z.string().optional() })),
  }),
  abort: z.object({ path: z.string().min(1), upload_id: z.string().optional() }),
} as const;

const CLIENT_ABORTS = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']);

function wildcardPath(req: FastifyRequest): string {
  return (req.params as { '*'?: string })['*'] ?? '';
}

/** `attachment` always, as MLflow does: artifacts must never render as pages of this origin. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._ -]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function sendDownload(reply: FastifyReply, download: ArtifactDownload): FastifyReply {
  return reply
    .header('content-type', download.contentType)
    .header('content-length', download.size)
    .header('content-disposition', contentDisposition(download.fileName))
    .header('x-content-type-options', 'nosniff')
    .send(download.stream);
}

/**
 * The `--serve-artifacts` proxy onto the artifacts destination. Upload bodies are handed over as
 * the raw request stream (a catch-all content-type parser, scoped to these routes) and streamed
 * to disk, so they are not held in memory and the JSON body limit does not apply to them.
 */
export function registerArtifactProxyRoutes(app: FastifyInstance, services: Pick<Services, 'artifacts'>): void {
  const artifacts = services.artifacts;

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    for (const prefix of MLFLOW_ARTIFACTS_PREFIXES) {
      scope.get(`${prefix}/artifacts`, async (req) => {
        const msg = validate(ListArtifacts, req.query ?? {});
        const files = (await artifacts.listProxied(msg.path)).map(fileInfoToJson);
        return files.length > 0 ? { files } : {};
      });

      scope.get(`${prefix}/artifacts/*`, async (req, reply) =>
        sendDownload(reply, await artifacts.downloadProxied(wildcardPath(req))),
      );

      scope.put(`${prefix}/artifacts/*`, async (req, reply) => {
        try {
          await artifacts.uploadProxied(wildcardPath(req), req.body as Readable | undefined);
        } catch (e) {
          if (CLIENT_ABORTS.has((e as NodeJS.ErrnoException).code ?? '')) {
            throw new BadRequestError('The upload ended before the whole body arrived; nothing was stored');
          }
          throw e;
        }
        return reply.type('application/json').send({});
      });

      scope.delete(`${prefix}/artifacts/*`, async (req, reply) => {
        await artifacts.deleteProxied(wildcardPath(req));
        return reply.type('application/json').send({});
      });
    }
  });

  // Outside the raw-stream scope: these take a JSON body.
  for (const prefix of MLFLOW_ARTIFACTS_PREFIXES) {
    for (const [action, schema] of Object.entries(MULTIPART)) {
      app.post(`${prefix}/mpu/${action}/*`, async (req) => {
        // MLflow's order: an unsafe path is a 400, then a malformed message, then the 501.
        const path = artifacts.checkPath(wildcardPath(req));
        validate(schema, req.body ?? {});
        return artifacts.multipartUpload(path);
      });
    }
  }
}
