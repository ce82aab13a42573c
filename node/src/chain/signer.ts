/**
 * The sidecar's signing side: loads its key and posts MsgSubmitResult and MsgRejectJob. Sequence mismatches (another tx
 * from the same account, a restarted node) are retried with backoff; cosmjs refetches the account
 * sequence on every attempt. Everything else the chain refuses becomes a SubmitRejectedError with a kind
 * the processor can act on.
 */
import { readFile } from 'node:fs/promises';
import { DirectSecp256k1HdWallet, type EncodeObject, type OfflineSigner } from '@cosmjs/proto-signing';
import { GasPrice, SigningStargateClient } from '@cosmjs/stargate';
import type { CometClient } from '@cosmjs/tendermint-rpc';
import { BECH32_PREFIX, MsgRejectJob, MsgSubmitResult, RuntimeProfile, TestKeyring, createInferchainRegistry, inferenceTypeUrls, streamKeyFromMnemonic, type StreamKey } from '@inferchain/sdk';
import type { Logger } from 'pino';
import { SubmitRejectedError, type RejectionKind, type ResultSubmitter, type SubmitReceipt } from '../jobs/ports.js';
import type { JobOutput, JobRecord } from '../jobs/types.js';

/** Config section `sidecar` (parsed in config/config.ts): where the sidecar's signing key lives. */
export interface SidecarKeyConfig {
  /** Key name in the SDK test keyring under `home` (keys/<name>.json). */
  keyName?: string;
  /** Keyring home (default $INFERCHAIN_HOME or ~/.inferchain). */
  home?: string;
  /** Alternative to keyName: a file holding the BIP-39 mnemonic. */
  mnemonicFile?: string;
}

export class KeyLoadError extends Error {
  override name = 'KeyLoadError';
}

/** The signer from config: a keyring key name, or a mnemonic file. */
export async function loadSidecarSigner(cfg: SidecarKeyConfig): Promise<{ signer: OfflineSigner; address: string; requestKey: StreamKey }> {
  let wallet: DirectSecp256k1HdWallet;
  if (cfg.mnemonicFile) {
    let text: string;
    try {
      text = await readFile(cfg.mnemonicFile, 'utf8');
    } catch (e) {
      throw new KeyLoadError(`sidecar.mnemonicFile: cannot read ${cfg.mnemonicFile}: ${(e as Error).message}`);
    }
    try {
      wallet = await DirectSecp256k1HdWallet.fromMnemonic(text.trim().split(/\s+/).join(' '), { prefix: BECH32_PREFIX });
    } catch (e) {
      throw new KeyLoadError(`sidecar.mnemonicFile: ${cfg.mnemonicFile} does not hold a valid BIP-39 mnemonic (${(e as Error).message})`);
    }
  } else if (cfg.keyName) {
    const ring = new TestKeyring(cfg.home);
    try {
      wallet = await ring.signer(cfg.keyName);
    } catch (e) {
      throw new KeyLoadError(`sidecar.keyName: ${(e as Error).message} (create it with \`inferchain-node keys add ${cfg.keyName}\`)`);
    }
  } else {
    throw new KeyLoadError('sidecar: no key configured (sidecar.keyName or sidecar.mnemonicFile)');
  }
  const [account] = await wallet.getAccounts();
  // The same key raw, for signed requests that are not transactions (training-state downloads for a replay audit).
  const requestKey = await streamKeyFromMnemonic(wallet.mnemonic);
  if (requestKey.address !== account!.address) throw new KeyLoadError(`sidecar: the request key derives ${requestKey.address}, the signer ${account!.address} (a non-default HD path?)`);
  return { signer: wallet, address: account!.address, requestKey };
}

export interface SubmitterOptions {
  comet: CometClient;
  signer: OfflineSigner;
  address: string;
  gasPrice: string;
  log: Logger;
  /** Attempts on account sequence mismatch. Default 5. */
  sequenceRetries?: number;
  gasMultiplier?: number;
  broadcastTimeoutMs?: number;
}

/** Maps a chain refusal (CheckTx throw text or DeliverTx code/log) to what the processor should do. */
export function classifyRejection(codespace: string | undefined, code: number | undefined, log: string): RejectionKind | 'sequence' {
  if ((codespace === 'sdk' && code === 32) || /account sequence mismatch|incorrect account sequence/i.test(log)) return 'sequence';
  if (/already has a result|result already|already submitted/i.test(log)) return 'already_has_result';
  if (codespace === 'inference') {
    if (code === 12) return 'deadline_passed';
    if (code === 6) return 'unauthorized';
    if (code === 11) return /already/i.test(log) ? 'already_has_result' : 'invalid';
    if (code === 2 || code === 4) return 'invalid';
  }
  if (codespace === 'sdk' && (code === 5 || code === 13)) return 'insufficient_funds';
  if (/deadline passed/i.test(log)) return 'deadline_passed';
  if (/unauthori[sz]ed/i.test(log)) return 'unauthorized';
  return 'other';
}

/** "Broadcasting transaction failed with code 32 (codespace: sdk). Log: ..." and similar cosmjs texts. */
function parseThrown(message: string): { codespace?: string; code?: number } {
  const m = /code (\d+) \(codespace: ([\w-]+)\)/.exec(message);
  return m ? { code: Number(m[1]), codespace: m[2] } : {};
}

export class ChainSubmitter implements ResultSubmitter {
  readonly address: string;
  private readonly client: SigningStargateClient;

  constructor(private readonly o: SubmitterOptions) {
    this.address = o.address;
    this.client = SigningStargateClient.createWithSigner(o.comet, o.signer, {
      registry: createInferchainRegistry(),
      gasPrice: GasPrice.fromString(o.gasPrice),
      broadcastPollIntervalMs: 300,
      broadcastTimeoutMs: o.broadcastTimeoutMs ?? 30_000,
    });
  }

  static message(sidecar: string, job: JobRecord, output: JobOutput): MsgSubmitResult {
    return MsgSubmitResult.fromPartial({
      sidecar,
      jobId: BigInt(job.id),
      outputTokenIds: output.tokenIds,
      outputText: output.text,
      commitment: output.commitment,
      finishReason: output.finishReason,
      runtime: RuntimeProfile.fromPartial({
        executionProvider: output.runtime.executionProvider,
        threads: output.runtime.threads,
        prefillMs: BigInt(Math.round(output.runtime.prefillMs)),
        decodeMs: BigInt(Math.round(output.runtime.decodeMs)),
        promptTokens: output.runtime.promptTokens,
        engine: output.runtime.engine,
      }),
    });
  }

  static rejectMessage(sidecar: string, job: JobRecord, reason: string): MsgRejectJob {
    return MsgRejectJob.fromPartial({ sidecar, jobId: BigInt(job.id), reason });
  }

  async submit(job: JobRecord, output: JobOutput): Promise<SubmitReceipt> {
    return this.broadcast(job, { typeUrl: inferenceTypeUrls.MsgSubmitResult, value: ChainSubmitter.message(this.address, job, output) });
  }

  async reject(job: JobRecord, reason: string): Promise<SubmitReceipt> {
    return this.broadcast(job, { typeUrl: inferenceTypeUrls.MsgRejectJob, value: ChainSubmitter.rejectMessage(this.address, job, reason) });
  }

  async rejectMany(jobs: readonly { job: JobRecord; reason: string }[]): Promise<SubmitReceipt> {
    const msgs = jobs.map(({ job, reason }) => ({ typeUrl: inferenceTypeUrls.MsgRejectJob, value: ChainSubmitter.rejectMessage(this.address, job, reason) }));
    // the memo names the first job and the count (a memo is at most 256 characters)
    const label = jobs.length === 1 ? jobs[0]!.job.id : `${jobs[0]?.job.id} and ${jobs.length - 1} more`;
    return this.broadcast({ id: label }, msgs);
  }

  /**
   * Signs and broadcasts one message (or several, in one tx) for a job, retrying sequence mismatches; classifies
   * refusals. Public for the verifier duty (MsgCommitVerdict / MsgRevealVerdict share this account and its
   * sequence handling).
   */
  async broadcast(job: Pick<JobRecord, 'id'>, msg: EncodeObject | readonly EncodeObject[]): Promise<SubmitReceipt> {
    // One transaction of this account in flight at a time: results, rejections (batched at intake) and verdicts
    // broadcast from different loops, and two signed with the same sequence make one of them fail.
    const run = this.inFlight.then(() => this.broadcastNow(job, msg));
    this.inFlight = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private inFlight: Promise<void> = Promise.resolve();

  private async broadcastNow(job: Pick<JobRecord, 'id'>, msg: EncodeObject | readonly EncodeObject[]): Promise<SubmitReceipt> {
    const msgs = Array.isArray(msg) ? [...msg] : [msg as EncodeObject];
    const retries = this.o.sequenceRetries ?? 5;
    for (let attempt = 1; ; attempt++) {
      let kind: RejectionKind | 'sequence';
      let text: string;
      let txHash: string | undefined;
      try {
        const res = await this.client.signAndBroadcast(this.address, msgs, this.o.gasMultiplier ?? 1.5, `inferchain-node job ${job.id}`);
        if (res.code === 0) return { txHash: res.transactionHash, height: res.height };
        text = res.rawLog ?? `code ${res.code}`;
        txHash = res.transactionHash;
        const codespace = await this.o.comet
          .tx({ hash: Buffer.from(res.transactionHash, 'hex') })
          .then((t) => t.result.codespace)
          .catch(() => undefined);
        kind = classifyRejection(codespace, res.code, text);
      } catch (e) {
        text = (e as Error).message;
        const parsed = parseThrown(text);
        // Only CheckTx/simulation refusals carry a code; anything else (timeouts, sockets) is transient.
        if (parsed.code === undefined && !/sequence mismatch|already has a result|deadline passed|unauthori[sz]ed/i.test(text)) throw e;
        kind = classifyRejection(parsed.codespace, parsed.code, text);
      }
      if (kind === 'sequence' && attempt < retries) {
        const delay = 300 * 2 ** (attempt - 1);
        this.o.log.warn({ job: job.id, attempt, retryInMs: delay }, 'account sequence mismatch; refetching the account and retrying');
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      throw new SubmitRejectedError(text, kind === 'sequence' ? 'other' : kind, txHash);
    }
  }
}
