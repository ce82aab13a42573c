import { Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_CHAIN_ID, DEFAULT_NODE } from "../client/query-client.js";
import { DEFAULT_GAS_PRICE } from "../client/signing-client.js";

export interface CommonOptions {
  node: string;
  json: boolean;
}

export interface TxOptions extends CommonOptions {
  from: string;
  chainId: string;
  gasPrice: string;
  home?: string;
}

/** --node and --json, on every command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .addOption(new Option("--node <url>", "CometBFT RPC endpoint").env("INFERCHAIN_NODE").default(DEFAULT_NODE))
    .option("--json", "print JSON instead of text", false);
}

/** --home: where the test keyring lives. */
export function withHome(cmd: Command): Command {
  return cmd.addOption(new Option("--home <dir>", "keyring home (keys under <dir>/keys; default ~/.inferchain)").env("INFERCHAIN_HOME"));
}

/** --from, --chain-id, --gas-price (+ --home), on transaction commands. */
export function withTx(cmd: Command): Command {
  return withHome(
    withCommon(cmd)
      .requiredOption("--from <key>", "name of the signing key in the test keyring (see `inferchain keys`)")
      .addOption(new Option("--chain-id <id>", "refuse to sign for another chain").env("INFERCHAIN_CHAIN_ID").default(DEFAULT_CHAIN_ID))
      .addOption(new Option("--gas-price <price>", "gas price; gas is simulated").env("INFERCHAIN_GAS_PRICE").default(DEFAULT_GAS_PRICE)),
  );
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parseNonNegativeInt(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a non-negative integer");
  return BigInt(value);
}

export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a positive integer");
  return Number(value);
}
