import { Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Config, WorkspaceClient } from '@databricks/sdk-experimental';
import type { DatabricksComputeSpec } from '../../domain/pipelines/project-model.js';

export interface DatabricksConnection {
  client: WorkspaceClient;
  /** The workspace URL the credentials resolved to, for messages and the attempt's reference. */
  host: string;
  close(): void;
}

/**
 * A WorkspaceClient with the Databricks SDK's own credential chain: explicit `host` and `profile`
 * from the task, then DATABRICKS_HOST / DATABRICKS_TOKEN / DATABRICKS_CLIENT_ID +
 * DATABRICKS_CLIENT_SECRET (OAuth machine-to-machine, which is how an Azure service principal
 * with a Databricks secret signs in) / ARM_* Azure variables, then the profile of
 * ~/.databrickscfg (DATABRICKS_CONFIG_PROFILE, or DEFAULT). Resolving happens here, so a missing
 * credential fails the attempt with the SDK's explanation before anything is uploaded.
 */
export async function connectWorkspace(spec: Pick<DatabricksComputeSpec, 'host' | 'profile'>, env: NodeJS.ProcessEnv): Promise<DatabricksConnection> {
  const { Config, EnvironmentLoader, KnownConfigLoader, WorkspaceClient } = await loadDatabricksSdk();
  let plainBase: URL | undefined;
  const config = new Config({
    env,
    ...(spec.host ? { host: spec.host } : {}),
    ...(spec.profile ? { profile: spec.profile } : {}),
    // The SDK retries 429/503 for up to 300 s by default; an attempt should fail sooner and say why.
    retryTimeoutSeconds: 60,
    // The SDK's own loaders, then one that notes an http:// host before the SDK rewrites it.
    loaders: [
      new EnvironmentLoader(),
      new KnownConfigLoader(),
      { name: 'modelyard-plain-http-host', configure: async (c: Config) => void (c.host?.startsWith('http://') ? (plainBase = new URL(c.host)) : undefined) },
    ],
  });
  // The SDK rewrites every host to `https://<hostname>` (dropping the port): right for a real
  // workspace, but a Databricks-API-compatible server on a plain port (a second Modelyard server,
  // in tests and on a laptop) would be unreachable. An http:// host is kept as written. (An
  // instance property, not a subclass: a subclass of Config loses the attributes read from the
  // environment under define-semantics class fields.)
  const sdkGetHost = config.getHost.bind(config);
  config.getHost = async () => {
    await config.ensureResolved();
    return plainBase ? new URL(plainBase.href) : sdkGetHost();
  };
  await config.ensureResolved();
  const agent = plainBase ? new Agent({ keepAlive: true }) : undefined;
  // ClientOptions types `agent` as an https.Agent, but the SDK only hands it to http(s).request.
  const client = new WorkspaceClient(config, agent ? { agent: agent as unknown as HttpsAgent, product: 'modelyard' } : { product: 'modelyard' });
  // Fails here, with the SDK's message naming what it tried, when no credentials are found.
  await config.authenticate(new Headers());
  const host = (await config.getHost()).href.replace(/\/$/, '');
  return { client, host, close: () => agent?.destroy() };
}

/**
 * The Databricks SDK (~35 MiB resident with its Google auth dependencies), loaded by the first
 * Databricks attempt rather than when the server starts: most servers never run one. Node caches
 * the module, so later attempts do not load it again.
 */
async function loadDatabricksSdk(): Promise<typeof import('@databricks/sdk-experimental')> {
  try {
    return await import('@databricks/sdk-experimental');
  } catch (e) {
    throw new Error(`cannot load the Databricks SDK (@databricks/sdk-experimental), which tasks with compute.databricks need: ${(e as Error).message}`);
  }
}
