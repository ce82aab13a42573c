import { InvalidArgumentError, type Command } from "commander";
import { inferResultToJson, stringifyJson } from "../../client/json.js";
import { validateInferenceRequest } from "../../client/inference.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withTx, type TxOptions } from "../options.js";
import { progressLines, renderReceipt, requestedLine } from "../render-inference.js";
import { withSigning } from "../run.js";

export const DEFAULT_MAX_TOKENS = 64;
export const DEFAULT_TIMEOUT_S = 120;

export interface InferCliOptions extends TxOptions {
  model: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  maxFee?: string;
  seed?: bigint;
  timeout: number;
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a non-negative integer");
  return Number(value);
}

/** A uint64 seed in decimal (bigint: seeds above 2^53 keep every digit). */
export function parseSeedArg(value: string): bigint {
  if (!/^\d{1,20}$/.test(value) || BigInt(value) > 0xffff_ffff_ffff_ffffn) throw new InvalidArgumentError("expected an integer from 0 to 2^64-1");
  return BigInt(value);
}

export function register(program: Command, ctx: CliContext): void {
  withTx(
    program
      .command("infer")
      .description("request an inference, wait for the answer and its receipt (status lines on stderr)")
      .argument("<prompt>", 'the prompt ("-" reads it from stdin)')
      .requiredOption("--model <ref>", "model content root or name@version")
      .option("--max-tokens <n>", "most tokens to generate", parsePositiveInt, DEFAULT_MAX_TOKENS)
      .option("--temperature <t>", "sampling temperature (0 = greedy)", parseNumber, 0)
      .option("--top-k <k>", "sample among the k most likely tokens (0 = all)", parseCount, 0)
      .option("--max-fee <coin>", "most to pay, e.g. 12345uinfer (default: the chain's minimum for --max-tokens)")
      .option("--seed <n>", "your own sampling seed, 0..2^64-1: same prompt, params and seed give the same tokens (default: derived by the chain)", parseSeedArg)
      .option("--timeout <seconds>", "stop waiting after this long (the job is not lost: see `inferchain job <id>`)", parsePositiveInt, DEFAULT_TIMEOUT_S),
  ).action(async (promptArg: string, opts: InferCliOptions) => {
    const prompt = promptArg === "-" ? (await ctx.io.readStdin()).replace(/\n$/, "") : promptArg;
    const input = { model: opts.model, prompt, maxTokens: opts.maxTokens, temperature: opts.temperature, topK: opts.topK, maxFee: opts.maxFee, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) };
    validateInferenceRequest(input); // bad input fails here, before the key is loaded or the node contacted
    const status = (line: string): void => ctx.io.err(line);
    const res = await withSigning(ctx, opts, (c) =>
      c.infer({
        ...input,
        timeoutMs: opts.timeout * 1000,
        onRequested: (r) => status(requestedLine(r)),
        onStatus: (u) => progressLines(u.previous, u.job).forEach(status),
      }),
    );
    if (opts.json) {
      ctx.io.out(stringifyJson(inferResultToJson(res)));
      return;
    }
    ctx.io.out(res.text);
    ctx.io.err(`job ${res.jobId} (${res.finishReason}, ${res.tokenIds.length} tokens)\n${renderReceipt(res.receipt)}`);
  });
}
