import { ResourceAttributeNames as R, ServiceNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { agentResourceAttributes, createAgentResource } from './resource.ts';

describe('agent resource', () => {
  const host = { hostname: 'gpu-07', platform: 'linux' as const, arch: 'x64', release: '6.8.0-45-generic' };

  it('carries every resource attribute ARCHITECTURE.md names, with OTel value spellings', () => {
    const attributes = agentResourceAttributes({
      host,
      identity: { hostId: 'b08dfa6083e7567a1921a715000001fb', model: 'ProLiant DL380 Gen10' },
      nodeId: 'gpu-07',
      streamId: '3f7c2a9e-1111-4222-8333-944455556666',
      serviceVersion: '0.1.0',
    });
    expect(attributes).toEqual({
      [R.hostName]: 'gpu-07',
      [R.hostId]: 'b08dfa6083e7567a1921a715000001fb',
      [R.hostModel]: 'ProLiant DL380 Gen10',
      [R.osType]: 'linux',
      [R.osVersion]: '6.8.0-45-generic',
      [R.hostArch]: 'amd64',
      [R.serviceName]: ServiceNames.agent,
      [R.serviceVersion]: '0.1.0',
      [R.nodeId]: 'gpu-07',
      [R.streamId]: '3f7c2a9e-1111-4222-8333-944455556666',
    });
  });

  it('prefers the product version on macOS and leaves out an unknown host id and model', () => {
    const resource = createAgentResource({
      host: { hostname: 'mini-1', platform: 'darwin', arch: 'arm64', release: '24.1.0' },
      identity: { osVersion: '15.1' },
      nodeId: 'mini-1',
      streamId: 's',
      serviceVersion: '0.1.0',
    });
    expect(resource.attributes).toMatchObject({
      [R.osVersion]: '15.1',
      [R.osType]: 'darwin',
      [R.hostArch]: 'arm64',
    });
    expect(resource.attributes[R.hostId]).toBeUndefined();
    expect(resource.attributes[R.hostModel]).toBeUndefined();
  });
});
