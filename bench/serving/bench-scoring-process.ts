import Fastify from 'fastify';
import { LocalFolderModelSource } from '../../packages/server/src/runtime/client-model-source.js';
import { ModelRuntime } from '../../packages/server/src/runtime/model-runtime.js';
import { startScoringServer } from '../../packages/server/src/serving/scoring-server.js';
import { ProcessStatsRecorder } from './process-stats.js';

/**
 * The server side of the serving benchmark, in its own process so the load generator does not
 * share its event loop: the scoring server of `modelyard serve <folder>` and, in the same process,
 * a bare Fastify app answering a small JSON body: the HTTP floor the scoring figures are set against.
 * The bare app also answers `POST /stats/reset` and `GET /stats` (ProcessStats of this process
 * since the reset), so each figure can be printed beside the event-loop delay and GC behind it.
 * Prints `{"scoring": url, "hello": url}` once both listen. An optional second argument is JSON of
 * extra ModelRuntime options (`flavor`, `python`: how a python_function model runs).
 */
async function main(modelDir: string, runtimeOptions?: string): Promise<void> {
  const runtime = new ModelRuntime({ source: new LocalFolderModelSource(), ...(runtimeOptions ? (JSON.parse(runtimeOptions) as object) : {}) });
  const scoring = await startScoringServer({ runtime, modelUri: modelDir, port: 0 });
  const stats = new ProcessStatsRecorder();
  const hello = Fastify();
  hello.post('/hello', async () => ({ hello: 'world' }));
  hello.post('/stats/reset', async () => {
    stats.reset();
    return {};
  });
  hello.get('/stats', async () => stats.read());
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });
  stats.track('scoring', scoring.app.server);
  stats.track('hello', hello.server);
  process.stdout.write(`${JSON.stringify({ scoring: scoring.url, hello: helloUrl })}\n`);
  process.once('SIGTERM', () => {
    stats.stop();
    void Promise.all([scoring.close(), hello.close()]).then(() => process.exit(0));
  });
}

main(process.argv[2] ?? '', process.argv[3]).catch((e: unknown) => {
  process.stderr.write(`bench scoring process: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
