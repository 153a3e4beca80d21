import { readFileSync } from 'node:fs';

/**
 * Off-box checkpoint files as `verify --checkpoint` and `replay --checkpoint` take them: one signed
 * checkpoint per file, or JSON lines of them (the file sink's `checkpoints/checkpoints-<day>.jsonl`,
 * or the `perimeter.checkpoint.document` values pulled from an OTLP upstream), each line then its
 * own checkpoint named `FILE:LINE`. The verifier takes the newest of all as its reference.
 */
export function readCheckpointFiles(paths: readonly string[]): Array<[origin: string, text: string]> {
  return paths.flatMap((path): Array<[string, string]> => {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .map((line, index): [string, string] => [`${path}:${index + 1}`, line.trim()])
      .filter(([, line]) => line !== '');
    return lines.length === 1 ? [[path, (lines[0] as [string, string])[1]]] : lines;
  });
}
