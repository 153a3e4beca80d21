import type { Attributes } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { ResourceAttributeNames, ServiceNames } from '@perimeter/schema';
import type { HostIdentity } from './host-identity.ts';

/**
 * The resource stamped on every metric and log the agent spools (ARCHITECTURE.md "Names").
 * It is built once, from injected facts, before the first batch: every batch of a stream must
 * carry the same identity, so the collector can key a node's timeline on it.
 */
export interface HostFacts {
  hostname: string;
  platform: NodeJS.Platform;
  /** `process.arch` */
  arch: string;
  /** `os.release()`; the OS version when no better one is known. */
  release: string;
}

export interface AgentResourceInput {
  host: HostFacts;
  identity: HostIdentity;
  nodeId: string;
  streamId: string;
  serviceVersion: string;
}

/** Node's arch names → OTel `host.arch` values. */
const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: 'x86',
  arm: 'arm32',
  ppc64: 'ppc64',
  s390x: 's390x',
};

/** Node's platform names → OTel `os.type` values. */
const OS_TYPE: Record<string, string> = {
  darwin: 'darwin',
  linux: 'linux',
  win32: 'windows',
  freebsd: 'freebsd',
};

export function agentResourceAttributes(input: AgentResourceInput): Attributes {
  const { host, identity } = input;
  const attributes: Attributes = {
    [ResourceAttributeNames.hostName]: host.hostname,
    [ResourceAttributeNames.osType]: OS_TYPE[host.platform] ?? host.platform,
    [ResourceAttributeNames.osVersion]: identity.osVersion ?? host.release,
    [ResourceAttributeNames.hostArch]: ARCH[host.arch] ?? host.arch,
    [ResourceAttributeNames.serviceName]: ServiceNames.agent,
    [ResourceAttributeNames.serviceVersion]: input.serviceVersion,
    [ResourceAttributeNames.nodeId]: input.nodeId,
    [ResourceAttributeNames.streamId]: input.streamId,
  };
  if (identity.hostId) {
    attributes[ResourceAttributeNames.hostId] = identity.hostId;
  }
  if (identity.model) {
    attributes[ResourceAttributeNames.hostModel] = identity.model;
  }
  return attributes;
}

export function createAgentResource(input: AgentResourceInput): Resource {
  return resourceFromAttributes(agentResourceAttributes(input));
}
