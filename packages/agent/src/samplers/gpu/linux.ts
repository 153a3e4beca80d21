import type { SampleResult, SamplerContext } from '../types.ts';
import { readAmdGpus } from './amdgpu.ts';
import { readNvidiaGpus } from './nvidia.ts';

/**
 * A Linux node can hold NVIDIA and AMD GPUs at once, so both readers always run and their readings
 * are merged. One vendor's failure must not hide the other's GPUs: when either has readings the
 * sample is ok (the failure is logged at warn); an `error` only wins over "nothing here".
 */
export async function collectLinuxGpus(context: SamplerContext): Promise<SampleResult> {
  const results = [
    { vendor: 'nvidia', result: await readNvidiaGpus(context.runCommand, context.log) },
    { vendor: 'amdgpu', result: await readAmdGpus(context.fs, context.log) },
  ];
  const readings = results.flatMap(({ result }) => (result.status === 'ok' ? result.readings : []));
  const failures = results.flatMap(({ vendor, result }) =>
    result.status === 'error' ? [{ vendor, error: result.error }] : [],
  );
  if (readings.length > 0) {
    for (const { vendor, error } of failures) {
      context.log.warn({ vendor, err: error.message }, 'GPU reader failed; reporting the other vendor only');
    }
    return { status: 'ok', readings };
  }
  const [failure] = failures;
  if (failure !== undefined) {
    return { status: 'error', error: failure.error };
  }
  const reasons = results.map(({ result }) => (result.status === 'not-available-here' ? result.reason : ''));
  return { status: 'not-available-here', reason: reasons.filter((r) => r !== '').join('; ') };
}
