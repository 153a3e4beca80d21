import type { Spool } from '@perimeter/agent';

/**
 * The end of a simulated fleet run (agent-fleet.ts, latency-fleet.ts): wait until every node's
 * spool is empty (or the deadline passes), stop the shippers, close the spools, and return each
 * node's final spool stats, index for index.
 */
export async function drainFleet(
  nodes: ReadonlyArray<{ spool: Spool; running: Promise<unknown> | undefined }>,
  options: { abort: AbortController; timeoutMs: number; pollMs: number },
): Promise<Array<ReturnType<Spool['stats']>>> {
  const deadline = Date.now() + options.timeoutMs;
  while (nodes.some((node) => node.spool.stats().batches > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  options.abort.abort();
  await Promise.all(nodes.map((node) => node.running));
  return nodes.map((node) => {
    const stats = node.spool.stats();
    node.spool.close();
    return stats;
  });
}
