/**
 * A spool that cannot be opened is a reason to stop, never to start over: the file may hold
 * telemetry that was acknowledged to the SDK but not yet shipped. The error names the file so an
 * operator can move it aside (or stop the other agent) and decide.
 */
export type SpoolErrorCode = 'locked' | 'corrupt' | 'open-failed';

export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  readonly code: SpoolErrorCode;
  readonly path: string;
  constructor(code: SpoolErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`spool ${path}: ${message}`, options);
    this.code = code;
    this.path = path;
  }
}
