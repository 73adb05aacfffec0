import { Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ApiError, Config, Context, logging, WorkspaceClient } from '@databricks/sdk-experimental';

/**
 * `Config.ensureResolved()` in @databricks/sdk-experimental rewrites any host to
 * `https://<hostname>`, dropping both the `http:` scheme and the port, and `ApiClient` then
 * sends every request through an `https.Agent`. A plain-HTTP server on a loopback port is
 * therefore unreachable through `host` alone. Overriding `getHost()` (what `ApiClient` asks for
 * the base URL) and handing the client an `http.Agent` is the smallest change that keeps the
 * SDK's own request building, JSON (de)serialisation, pagination and error parsing in play.
 */
class PlainHttpConfig extends Config {
  constructor(private readonly baseUrl: string, options: ConstructorParameters<typeof Config>[0]) {
    super(options);
  }

  override async getHost(): Promise<URL> {
    await this.ensureResolved();
    return new URL(this.baseUrl);
  }
}

/**
 * A `WorkspaceClient` with PAT auth pointed at `url`. The config gets its own environment and a
 * config file that does not exist, so a developer's DATABRICKS_* variables or ~/.databrickscfg
 * never leak in and no cloud metadata service is consulted.
 */
export function databricksClient(url: string): { client: WorkspaceClient; close(): void } {
  const missingConfigFile = join(tmpdir(), 'modelyard-no-such-dir', '.databrickscfg');
  const config = new PlainHttpConfig(url, {
    host: url,
    token: 'conformance-token',
    authType: 'pat',
    configFile: missingConfigFile,
    env: { DATABRICKS_CONFIG_FILE: missingConfigFile },
    // A retried request would hide a wrong status; fail fast instead of the default 300 s.
    retryTimeoutSeconds: 5,
  });
  const agent = new Agent({ keepAlive: true });
  // ClientOptions types `agent` as https.Agent, but only hands it to http(s).request.
  const client = new WorkspaceClient(config, { agent: agent as unknown as HttpsAgent });
  return { client, close: () => agent.destroy() };
}

export interface SdkFailure {
  statusCode: number;
  errorCode: string;
  message: string;
}

/** Runs `call`, which must fail with the SDK's ApiError, and returns what the SDK parsed. */
export async function sdkFailure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<SdkFailure> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (e) {
    if (e instanceof ApiError) return { statusCode: e.statusCode, errorCode: e.errorCode, message: e.message };
    throw e;
  }
  throw new Error('expected the Databricks SDK call to fail, but it succeeded');
}

/** Drains one of the SDK's auto-paginating iterators. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

let requestLogs = 0;

/**
 * A Context whose logger records the URL of every HTTP request the SDK sends (ApiClient logs each
 * one at debug level), to see how many pages an auto-paginating iterator fetched.
 */
export function requestLog(): { context: Context; urls: string[] } {
  const urls: string[] = [];
  const logger = logging.NamedLogger.getOrCreate(
    `modelyard-conformance-${++requestLogs}`,
    { factory: () => ({ log: (level: string, message?: string) => void (level === 'debug' && message ? urls.push(message) : undefined) }) },
    true,
  );
  return { context: new Context({ logger }), urls };
}
