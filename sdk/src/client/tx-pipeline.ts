/**
 * Concurrent transactions from one key (SigningOptions.pipelineTxs; `inferchain gateway` uses it).
 *
 * cosmjs reads the account sequence from committed state for every transaction, so two transactions signed by
 * one key before the first is in a block both get sequence N and the second fails ("account sequence mismatch",
 * already in its gas simulation, which runs against the mempool's state). Here the part that needs the sequence
 * (simulate, sign, CheckTx) runs one transaction at a time against a local counter, and the wait for inclusion
 * runs outside that lock: n concurrent requests enter the mempool back to back and land in the same block,
 * instead of one block each.
 */
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { BroadcastTxError, calculateFee, SigningStargateClient, type DeliverTxResponse, type GasPrice, type IndexedTx, type SequenceResponse, type SignerData, type StdFee } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { OfflineSigner } from "@cosmjs/proto-signing";
import type { SigningStargateClientOptions } from "@cosmjs/stargate";
import { InferchainError } from "../errors.js";

/** A SigningStargateClient whose simulate/sign read the account sequence from `sequenceOverride` while set. */
export class SequencedSigningClient extends SigningStargateClient {
  sequenceOverride: SequenceResponse | undefined;

  static createSequenced(comet: CometClient, signer: OfflineSigner, options: SigningStargateClientOptions): SequencedSigningClient {
    return new SequencedSigningClient(comet, signer, options);
  }

  override async getSequence(address: string): Promise<SequenceResponse> {
    return this.sequenceOverride ?? super.getSequence(address);
  }
}

/** What the pipeline needs of the signing client (SequencedSigningClient; unit tests fake it). */
export interface PipelineSigner {
  sequenceOverride: SequenceResponse | undefined;
  getSequence(address: string): Promise<SequenceResponse>;
  getChainId(): Promise<string>;
  simulate(address: string, messages: readonly EncodeObject[], memo: string | undefined): Promise<number>;
  sign(address: string, messages: readonly EncodeObject[], fee: StdFee, memo: string, signerData: SignerData): Promise<TxRaw>;
  broadcastTxSync(tx: Uint8Array): Promise<string>;
  getTx(id: string): Promise<IndexedTx | null>;
}

export interface PipelineOptions {
  gasPrice: GasPrice;
  gasMultiplier: number;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** sdk ErrWrongSequence (codespace sdk, code 32). */
const WRONG_SEQUENCE = 32;

function wrongSequence(err: unknown): boolean {
  if (err instanceof BroadcastTxError) return err.code === WRONG_SEQUENCE;
  // The simulation's refusal arrives as a query error whose text carries the ABCI code.
  return err instanceof Error && /account sequence mismatch|incorrect account sequence/.test(err.message);
}

export class TxPipeline {
  /** The next sequence to sign with; undefined = read it from the chain. */
  private next: SequenceResponse | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly s: PipelineSigner,
    private readonly address: string,
    private readonly o: PipelineOptions,
  ) {}

  async signAndBroadcast(messages: readonly EncodeObject[], memo: string): Promise<DeliverTxResponse> {
    const { hash, gasWanted } = await this.locked(() => this.submit(messages, memo));
    return this.waitFor(hash, gasWanted);
  }

  /** Runs f after every earlier caller's f (a FIFO lock). */
  private locked<T>(f: () => Promise<T>): Promise<T> {
    const run = this.tail.then(f);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Simulate, sign, CheckTx with the local sequence; one retry from the chain's sequence when it was stale. */
  private async submit(messages: readonly EncodeObject[], memo: string): Promise<{ hash: string; gasWanted: bigint }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.submitOnce(messages, memo);
      } catch (err) {
        this.next = undefined; // unknown now: the tx may or may not have used it
        if (attempt === 0 && wrongSequence(err)) continue; // another process used the key, or a tx left the mempool
        throw err;
      }
    }
  }

  private async submitOnce(messages: readonly EncodeObject[], memo: string): Promise<{ hash: string; gasWanted: bigint }> {
    this.s.sequenceOverride = undefined;
    const seq = this.next ?? (await this.s.getSequence(this.address));
    this.s.sequenceOverride = seq;
    try {
      const gas = Math.round((await this.s.simulate(this.address, messages, memo)) * this.o.gasMultiplier);
      const fee = calculateFee(gas, this.o.gasPrice);
      const raw = await this.s.sign(this.address, messages, fee, memo, { accountNumber: seq.accountNumber, sequence: seq.sequence, chainId: await this.s.getChainId() });
      const hash = await this.s.broadcastTxSync(TxRaw.encode(raw).finish());
      // CheckTx passed: the mempool's state now expects the next sequence.
      this.next = { accountNumber: seq.accountNumber, sequence: seq.sequence + 1 };
      return { hash, gasWanted: BigInt(gas) };
    } finally {
      this.s.sequenceOverride = undefined;
    }
  }

  private async waitFor(hash: string, gasWanted: bigint): Promise<DeliverTxResponse> {
    const deadline = Date.now() + this.o.timeoutMs;
    for (;;) {
      const tx = await this.s.getTx(hash);
      if (tx) {
        return { code: tx.code, height: tx.height, txIndex: tx.txIndex, events: tx.events, rawLog: tx.rawLog, transactionHash: hash, msgResponses: tx.msgResponses, gasUsed: tx.gasUsed, gasWanted: tx.gasWanted ?? gasWanted };
      }
      if (Date.now() > deadline) {
        this.next = undefined; // it may have been dropped from the mempool: re-read the sequence
        throw new InferchainError("timeout", `transaction ${hash} was not included within ${this.o.timeoutMs / 1000}s (it may still be); check it with the tx hash`, { txHash: hash });
      }
      await new Promise((r) => setTimeout(r, this.o.pollIntervalMs));
    }
  }
}
