/**
 * `inferchain-node register-executor`: one-time validator onboarding. The validator operator's key signs
 * MsgRegisterExecutor binding the sidecar account and the models it serves.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DirectSecp256k1HdWallet, type OfflineSigner } from '@cosmjs/proto-signing';
import { BECH32_PREFIX, DEFAULT_CHAIN_ID, DEFAULT_NODE, InferchainError, SigningInferchainClient, TestKeyring, defaultHome } from '@inferchain/sdk';
import { DEFAULTS } from '../config/config.js';

interface Opts {
  from?: string;
  fromMnemonicFile?: string;
  sidecar: string;
  model: string[];
  endpoint: string;
  node: string;
  chainId: string;
  gasPrice: string;
  home?: string;
  json?: boolean;
}

export class RegisterExecutorError extends Error {
  override name = 'RegisterExecutorError';
}

export function register(program: Command): void {
  program
    .command('register-executor')
    .description("bind this validator's sidecar account and served models on chain (signed by the validator operator's key)")
    .option('--from <key>', "validator operator's key name in the keyring (see `keys import`)")
    .option('--from-mnemonic-file <file>', "or: a file holding the validator operator's mnemonic")
    .requiredOption('--sidecar <address>', 'sidecar account (infer1...), e.g. from `inferchain-node keys show <name>`')
    .requiredOption('--model <contentRoot...>', 'content root(s) of registered models this executor serves')
    .requiredOption('--endpoint <url>', "the sidecar API's base URL, where verifiers fetch commitment data")
    .option('--node <rpc>', 'CometBFT RPC', DEFAULT_NODE)
    .option('--chain-id <id>', 'refuse to sign for another chain', DEFAULT_CHAIN_ID)
    .option('--gas-price <price>', 'gas price', DEFAULTS.chain.gasPrice)
    .option('--home <dir>', 'keyring home (default $INFERCHAIN_HOME or ~/.inferchain)')
    .option('--json', 'machine-readable output', false)
    .action(async (o: Opts) => {
      if ((o.from === undefined) === (o.fromMnemonicFile === undefined)) throw new RegisterExecutorError('give exactly one of --from <key> or --from-mnemonic-file <file>');
      if (!/^infer1[02-9ac-hj-np-z]{38,58}$/.test(o.sidecar)) throw new RegisterExecutorError(`--sidecar: "${o.sidecar}" is not an account address (infer1...)`);
      for (const m of o.model) if (!/^[0-9a-f]{64}$/.test(m)) throw new RegisterExecutorError(`--model: "${m}" is not a 64-hex content root`);
      try {
        new URL(o.endpoint);
      } catch {
        throw new RegisterExecutorError(`--endpoint: "${o.endpoint}" is not a URL (e.g. http://127.0.0.1:26690)`);
      }
      const signer = await operatorSigner(o);
      const client = await SigningInferchainClient.connectWithSigner(o.node, signer, { gasPrice: o.gasPrice, chainId: o.chainId }).catch((e: unknown) => {
        throw cliError(e, `cannot reach ${o.node}`);
      });
      try {
        const res = await client.registerExecutor({ sidecar: o.sidecar, models: o.model, endpoint: o.endpoint }).catch((e: unknown) => {
          throw cliError(e, 'the chain refused MsgRegisterExecutor');
        });
        const out = { txHash: res.txHash, height: res.height, operator: client.senderAddress, validator: res.validator, sidecar: o.sidecar, models: o.model, endpoint: o.endpoint };
        process.stdout.write(o.json ? `${JSON.stringify(out)}\n` : `registered executor ${res.validator || client.senderAddress} -> sidecar ${o.sidecar} (tx ${res.txHash} at height ${res.height})\n`);
      } finally {
        client.disconnect();
      }
    });
}

/** The SDK's typed error as one naming the flag to fix (chain_id -> --chain-id, models[0] -> --model). */
function cliError(e: unknown, context: string): RegisterExecutorError {
  if (!(e instanceof InferchainError)) return new RegisterExecutorError(`${context}: ${(e as Error).message ?? String(e)}`);
  const flag = e.field === undefined ? undefined : e.field.startsWith('models') ? '--model' : `--${e.field.replace(/_/g, '-')}`;
  const tx = e.txHash ? ` (tx ${e.txHash})` : '';
  return new RegisterExecutorError(flag && e.code !== 'connection' ? `${flag}: ${e.message}${tx}` : `${context}: ${e.message}${tx}`);
}

async function operatorSigner(o: Opts): Promise<OfflineSigner> {
  if (o.from) return new TestKeyring(o.home ?? defaultHome()).signer(o.from);
  const text = await readFile(o.fromMnemonicFile!, 'utf8').catch((e: Error) => {
    throw new RegisterExecutorError(`--from-mnemonic-file: ${e.message}`);
  });
  return DirectSecp256k1HdWallet.fromMnemonic(text.trim().split(/\s+/).join(' '), { prefix: BECH32_PREFIX }).catch((e: Error) => {
    throw new RegisterExecutorError(`--from-mnemonic-file: not a valid mnemonic (${e.message})`);
  });
}
