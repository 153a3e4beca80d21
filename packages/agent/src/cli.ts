#!/usr/bin/env node
import { runCli } from './main.ts';

// The bin entry: nothing but the hand-off, so tests drive runCli() or spawn this file as is.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
