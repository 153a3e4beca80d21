import { ExitCodes } from '@perimeter/schema';
import { createRecording, recordingWorld } from '../capture/recording.ts';
import { writeCapture } from '../capture/write.ts';
import { printRound } from '../telemetry/print-round.ts';
import { type CommandHost, openSources, sampleOnce } from './command-host.ts';

/** `capture --out DIR`: one round against recording wrappers; the token and env are never written. */
export async function runCaptureCommand(host: CommandHost, out: string): Promise<number> {
  const real = host.realWorld();
  const recording = createRecording();
  const sources = openSources(host, recordingWorld(real, recording));
  const round = await sampleOnce(host, sources.samplers);
  const now = host.clock.nowMs();
  const printed = printRound(round, { nodeId: sources.nodeId, timeMs: now, json: true });
  const summary = writeCapture(
    out,
    recording,
    { ...real.host, fsRoot: host.config.fsRoot },
    new Date(now),
    printed,
  );
  host.io.stdout.write(`captured ${summary.commands} commands, ${summary.files} files to ${summary.dir}\n`);
  return ExitCodes.ok;
}
