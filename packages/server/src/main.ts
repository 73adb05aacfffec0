#!/usr/bin/env node
import { isAppError } from './errors.js';
import { buildProgram } from './cli/program.js';

/** CLI entry: a clear one-line message and a non-zero exit for anything that goes wrong. */
async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const message = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`modelyard: ${message}\n`);
    process.exitCode = 1;
  }
}

void main(process.argv);
