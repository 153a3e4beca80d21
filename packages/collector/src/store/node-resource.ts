/** A node's stored resource attributes (nodes.resource_json); {} when absent or not an object. */
export function parseResourceJson(json: string | null): Record<string, unknown> {
  if (json === null) {
    return {};
  }
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
