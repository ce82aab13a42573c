import type { Json } from "../client/json.js";
import { stringifyJson } from "../client/json.js";
import type { CliContext, QueryApi, TxApi } from "./context.js";
import type { CommonOptions, TxOptions } from "./options.js";

/** Connects, runs `fn`, always disconnects. */
export async function withQuery<T>(ctx: CliContext, opts: CommonOptions, fn: (client: QueryApi) => Promise<T>): Promise<T> {
  const client = await ctx.connect(opts.node);
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Loads the --from key from the test keyring, connects a signing client, runs `fn`, disconnects. */
export async function withSigning<T>(ctx: CliContext, opts: TxOptions, fn: (client: TxApi) => Promise<T>): Promise<T> {
  const signer = await ctx.keyring(opts.home).signer(opts.from);
  const client = await ctx.connectSigning(opts.node, signer, { gasPrice: opts.gasPrice, chainId: opts.chainId });
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Prints JSON with --json, else the text. */
export function emit(ctx: CliContext, opts: { json: boolean }, json: Json | (() => Json), text: string | (() => string)): void {
  if (opts.json) ctx.io.out(stringifyJson(typeof json === "function" ? json() : json));
  else ctx.io.out(typeof text === "function" ? text() : text);
}

export function txJson(res: { txHash: string; height: number; gasUsed: bigint }): { [k: string]: Json } {
  return { txHash: res.txHash, height: res.height, gasUsed: res.gasUsed.toString() };
}

export function txText(res: { txHash: string; height: number }): string {
  return `tx ${res.txHash} included at height ${res.height}`;
}
