import { describe, expect, it } from 'vitest';
import { TaskFailure } from './in-process-executor.js';
import { checkRemoteRegistryUri, isRemoteRegistry } from './remote-registry.js';

describe('which registry an attempt uses', () => {
  it.each([
    [undefined, 'http://127.0.0.1:5000', false],
    ['', 'http://127.0.0.1:5000', false],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000', false],
    ['HTTP://127.0.0.1:5000/', 'http://127.0.0.1:5000', false],
    ['http://127.0.0.1:5001', 'http://127.0.0.1:5000', true],
    ['https://registry.example.com', undefined, true],
  ])('registry %j with the job on %j is remote: %j', (registryUri, own, remote) => {
    expect(isRemoteRegistry(registryUri, own)).toBe(remote);
  });

  it('takes http(s) servers only, naming the setting otherwise', () => {
    expect(checkRemoteRegistryUri('https://registry.example.com/')).toBe('https://registry.example.com');
    for (const uri of ['sqlite:///x.db', 'postgresql://db/m', 'databricks', 'http://']) {
      expect(() => checkRemoteRegistryUri(uri)).toThrow(TaskFailure);
      expect(() => checkRemoteRegistryUri(uri)).toThrow(`workspace.registry_uri '${uri}' is not an http(s) server URL`);
    }
  });
});
