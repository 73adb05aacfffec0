import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkSha256 } from '../../../domain/pipelines/bundle-ref.js';
import type { BundleDeployer, ResourceChange } from '../../../services/bundles/bundle-deployer.js';
import type { BundleService } from '../../../services/bundles/bundle-service.js';
import { markStreamedBody } from '../../connection-guard.js';
import { validate } from '../../mlflow-route.js';

/**
 * `/api/v1/bundles/…`: project bundles (`modelyard deploy`). `upload` takes the raw `.tar.gz`
 * (streamed to disk, limited to `max_bundle_bytes`, checked against its sha256 and its entries),
 * `download` serves it to queue workers, `deploy` / `destroy` apply or remove a target.
 */
const PREFIX = '/api/v1/bundles';

const BySha = z.object({ sha256: z.string() }).strict();
const Deploy = z.object({ sha256: z.string(), project_file: z.string().optional(), target: z.string().min(1).optional() }).strict();
const Destroy = z.object({ project: z.string().min(1), target: z.string().min(1).optional() }).strict();

function actorOf(req: FastifyRequest): string | null {
  const h = req.headers['x-modelyard-user'];
  return typeof h === 'string' && h.trim() ? h.trim() : null;
}

function changeToJson(c: ResourceChange): Record<string, unknown> {
  return { kind: c.kind, name: c.name, action: c.action, ...(c.jobId !== undefined ? { job_id: c.jobId } : {}), ...(c.reason ? { reason: c.reason } : {}) };
}

/** Upload bodies stream to disk: only the idle timeout applies to them (http/connection-guard.ts). */
function streamedUpload(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  markStreamedBody(req.raw);
  done();
}

/**
 * The upload as a stream of its own: a refused upload (too large, a full disk) destroys this relay,
 * not the request, so the connection stays up long enough to carry the 400 that says why.
 */
function detached(raw: Readable): Readable {
  const relay = new PassThrough();
  raw.pipe(relay);
  raw.once('error', (e) => relay.destroy(e));
  raw.once('close', () => {
    if (!raw.readableEnded) relay.destroy(Object.assign(new Error('The upload ended before the whole bundle arrived'), { code: 'ECONNRESET' }));
  });
  return relay;
}

export function registerBundleRoutes(app: FastifyInstance, services: { bundles: BundleService; bundleDeployer: BundleDeployer }): void {
  const { bundles, bundleDeployer } = services;

  void app.register(async (scope) => {
    // The raw request stream, whatever the content type: never parsed, never held in memory.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.put(`${PREFIX}/upload`, { onRequest: streamedUpload }, async (req) => {
      const { sha256 } = validate(BySha, req.query ?? {});
      const length = Number(req.headers['content-length']);
      const body = req.body as Readable | undefined;
      const r = await bundles.upload(checkSha256(sha256), body ? detached(body) : Readable.from([]), Number.isFinite(length) ? length : undefined);
      return { sha256, size_bytes: r.size, created: r.created };
    });
  });

  app.get(`${PREFIX}/get`, async (req) => {
    const { sha256 } = validate(BySha, req.query ?? {});
    const { size } = await bundles.open(checkSha256(sha256)).then((r) => {
      r.stream.destroy();
      return r;
    });
    return { sha256, size_bytes: size };
  });

  app.get(`${PREFIX}/download`, async (req, reply) => {
    const { sha256 } = validate(BySha, req.query ?? {});
    const { stream, size } = await bundles.open(checkSha256(sha256));
    return reply.header('content-type', 'application/gzip').header('content-length', size).header('x-content-type-options', 'nosniff').send(stream);
  });

  app.post(`${PREFIX}/deploy`, async (req) => {
    const m = validate(Deploy, req.body ?? {});
    const r = await bundleDeployer.deploy({
      sha256: checkSha256(m.sha256),
      projectFile: m.project_file ?? 'modelyard.yaml',
      ...(m.target !== undefined ? { target: m.target } : {}),
      actor: actorOf(req),
    });
    return { project: r.project, ...(r.target !== undefined ? { target: r.target } : {}), bundle_sha256: r.bundle.sha256, changes: r.changes.map(changeToJson) };
  });

  app.post(`${PREFIX}/destroy`, async (req) => {
    const m = validate(Destroy, req.body ?? {});
    const r = await bundleDeployer.destroy({ project: m.project, ...(m.target !== undefined ? { target: m.target } : {}), actor: actorOf(req) });
    return { project: r.project, ...(r.target !== undefined ? { target: r.target } : {}), changes: r.changes.map(changeToJson) };
  });
}
