#!/usr/bin/env node
import { CommanderError } from "commander";
import { InferchainError } from "../errors.js";
import { defaultContext } from "./context.js";
import { createProgram } from "./program.js";

/** Runs the CLI; any failure is one line on stderr and exit status 1. */
async function main(): Promise<void> {
  const ctx = defaultContext();
  const program = createProgram(ctx);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (or help/version, with exit code 0).
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    const message = err instanceof InferchainError ? err.message : err instanceof Error ? err.message : String(err);
    ctx.io.err(`error: ${message.replace(/\s*\n\s*/g, " ")}`);
    process.exitCode = 1;
  }
}

await main();
