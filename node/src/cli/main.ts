#!/usr/bin/env node
/** Entry point of the `inferchain-node` binary: errors become one actionable line and exit code 1. */
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    process.exitCode = 1;
  });
