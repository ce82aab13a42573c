/**
 * `inferchain-node register-executor`: one-time validator onboarding. The validator operator's key signs
 * MsgRegisterExecutor binding the sidecar account and the models it serves.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DirectSecp256k1HdWallet, type OfflineSigner } from '@cosmjs/proto-signing';
import { GasPrice, SigningStargateClient } from '@cosmjs/stargate';
import { BECH32_PREFIX, DEFAULT_CHAIN_ID, DEFAULT_NODE, MsgRegisterExecutor, MsgRegisterExecutorResponse, TestKeyring, defaultHome } from '@inferchain/sdk';
import { createSidecarRegistry, inferenceTypeUrls } from '../chain/registry.js';
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
      const [account] = await signer.getAccounts();
      const client = await SigningStargateClient.connectWithSigner(o.node, signer, { registry: createSidecarRegistry(), gasPrice: GasPrice.fromString(o.gasPrice) }).catch((e: Error) => {
        throw new RegisterExecutorError(`cannot reach ${o.node}: ${e.message}`);
      });
      try {
        const chainId = await client.getChainId();
        if (chainId !== o.chainId) throw new RegisterExecutorError(`--chain-id: the node is on "${chainId}", not "${o.chainId}"`);
        const value = MsgRegisterExecutor.fromPartial({ operator: account!.address, sidecar: o.sidecar, models: o.model, endpoint: o.endpoint });
        const res = await client.signAndBroadcast(account!.address, [{ typeUrl: inferenceTypeUrls.MsgRegisterExecutor, value }], 1.5);
        if (res.code !== 0) throw new RegisterExecutorError(`the chain refused MsgRegisterExecutor (code ${res.code}, tx ${res.transactionHash}): ${res.rawLog ?? ''}`);
        const reply = res.msgResponses.find((r) => r.typeUrl.endsWith('MsgRegisterExecutorResponse'));
        const validator = reply ? MsgRegisterExecutorResponse.decode(reply.value).validator : '';
        const out = { txHash: res.transactionHash, height: res.height, operator: account!.address, validator, sidecar: o.sidecar, models: o.model, endpoint: o.endpoint };
        process.stdout.write(o.json ? `${JSON.stringify(out)}\n` : `registered executor ${validator || account!.address} -> sidecar ${o.sidecar} (tx ${res.transactionHash} at height ${res.height})\n`);
      } finally {
        client.disconnect();
      }
    });
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
