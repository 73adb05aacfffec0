import { parse as parseYaml } from 'yaml';
import type { ModelVersion } from '@modelyard/sdk/client';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { SignatureTables } from '../../components/signature-tables.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';

interface MlmodelSummary {
  flavors: string[];
  signature?: { inputs?: unknown; outputs?: unknown };
  downloadUri: string;
  mlmodelHref: string;
}

/** The signature and flavors from the version's `MLmodel` file, read through the artifact proxy. */
async function loadMlmodel(version: ModelVersion): Promise<MlmodelSummary> {
  const client = sdk();
  const downloadUri = await client.registry.getModelVersionDownloadUri(version.name, version.version);
  const mlmodelHref = client.registryArtifacts.downloadUrl(downloadUri, 'MLmodel');
  const { text } = await client.registryArtifacts.readTextHead(downloadUri, 'MLmodel', 256 * 1024);
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  const flavors = doc.flavors && typeof doc.flavors === 'object' ? Object.keys(doc.flavors) : [];
  const signature = doc.signature && typeof doc.signature === 'object' ? (doc.signature as { inputs?: unknown; outputs?: unknown }) : undefined;
  return { flavors, ...(signature ? { signature } : {}), downloadUri, mlmodelHref };
}

export function VersionSignature({ version }: { version: ModelVersion }) {
  const mlmodel = useAsync(() => loadMlmodel(version), [version.name, version.version]);
  if (mlmodel.error) return <ErrorBanner title="Could not read the version's MLmodel file" error={mlmodel.error} onRetry={mlmodel.reload} />;
  if (!mlmodel.data) return <Loading what="the MLmodel file" />;
  const { flavors, signature, downloadUri, mlmodelHref } = mlmodel.data;
  return (
    <div className="mlmodel">
      <dl className="facts">
        <dt>Files</dt>
        <dd className="mono wrap">{downloadUri}</dd>
        <dt>Flavors</dt>
        <dd>{flavors.length > 0 ? flavors.join(', ') : '—'}</dd>
        <dt>MLmodel</dt>
        <dd>
          <a href={mlmodelHref} download="MLmodel">
            Download
          </a>
        </dd>
      </dl>
      <SignatureTables signature={signature} />
    </div>
  );
}
