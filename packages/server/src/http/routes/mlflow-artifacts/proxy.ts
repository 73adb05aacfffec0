import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { int64, repeated } from '@modelyard/contract';
import { RangeNotSatisfiableError } from '@modelyard/sdk';
import { BadRequestError } from '../../../errors.js';
import type { ArtifactDownload } from '../../../services/artifacts/artifact-service.js';
import type { Services } from '../../../services/services.js';
import { markStreamedBody } from '../../connection-guard.js';
import { validate } from '../../mlflow-route.js';
import { fileInfoToJson } from '../mlflow/artifacts.js';
import { parseRangeHeader } from './byte-range-header.js';

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

/**
 * The upload body as a stream of its own. The repository pipes its body into storage, and a pipe
 * destroys its source when the write fails (a full disk); destroying the request cuts the
 * connection before the error is answered, so the client would get no 507, only a dead connection.
 */
function detachedBody(raw: Readable): Readable {
  const relay = new PassThrough();
  raw.pipe(relay);
  raw.once('error', (e) => relay.destroy(e));
  raw.once('close', () => {
    if (!raw.readableEnded) relay.destroy(Object.assign(new Error('The upload ended before the whole body arrived'), { code: 'ECONNRESET' }));
  });
  return relay;
}

/** Upload bodies stream to storage: only the idle timeout applies to them (http/connection-guard.ts), so a large upload on a slow link completes. */
function streamedUpload(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  markStreamedBody(req.raw);
  done();
}

function wildcardPath(req: FastifyRequest): string {
  return (req.params as { '*'?: string })['*'] ?? '';
}

/** `attachment` always, as MLflow does: artifacts must never render as pages of this origin. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._ -]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** 200 with the whole file, or 206 with the range the download holds; ranges are always offered. */
export function sendDownload(reply: FastifyReply, download: ArtifactDownload): FastifyReply {
  void reply
    .header('content-type', download.contentType)
    .header('content-disposition', contentDisposition(download.fileName))
    .header('x-content-type-options', 'nosniff')
    .header('accept-ranges', 'bytes');
  if (download.range === undefined) return reply.header('content-length', download.size).send(download.stream);
  const { start, end } = download.range;
  return reply
    .code(206)
    .header('content-range', `bytes ${start}-${end}/${download.size}`)
    .header('content-length', end - start + 1)
    .send(download.stream);
}

/**
 * Answers a download that honours the request's `Range` header: 206 with the part asked for, or
 * 416 with the file's size (`Content-Range: bytes *\/<size>`) when the range lies past its end.
 */
export async function sendRangedDownload(
  req: FastifyRequest,
  reply: FastifyReply,
  open: (range: ReturnType<typeof parseRangeHeader>) => Promise<ArtifactDownload>,
): Promise<FastifyReply> {
  const ifRange = req.headers['if-range'];
  const range = parseRangeHeader(req.headers.range, Array.isArray(ifRange) ? ifRange.join(',') : ifRange);
  try {
    return sendDownload(reply, await open(range));
  } catch (e) {
    if (!(e instanceof RangeNotSatisfiableError)) throw e;
    return reply
      .code(416)
      .header('content-range', `bytes */${e.size}`)
      .type('application/json')
      .send({ error_code: 'INVALID_PARAMETER_VALUE', message: `${e.message}; ask for bytes 0-${Math.max(e.size - 1, 0)}` });
  }
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
        sendRangedDownload(req, reply, (range) => artifacts.downloadProxied(wildcardPath(req), range)),
      );

      scope.put(`${prefix}/artifacts/*`, { onRequest: streamedUpload }, async (req, reply) => {
        const raw = req.body as Readable | undefined;
        try {
          await artifacts.uploadProxied(wildcardPath(req), raw && detachedBody(raw));
        } catch (e) {
          if (CLIENT_ABORTS.has((e as NodeJS.ErrnoException).code ?? '')) {
            throw new BadRequestError('The upload ended before the whole body arrived; nothing was stored');
          }
          if (raw && !raw.readableEnded && !raw.destroyed) {
            // The rest of the body is read and dropped, so the client finishes sending and reads the
            // answer; the connection is not reused after a body that was not taken whole.
            raw.unpipe();
            raw.resume();
            void reply.header('connection', 'close');
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
