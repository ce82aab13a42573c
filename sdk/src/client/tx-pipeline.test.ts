import { describe, expect, it } from "vitest";
import { TxRaw, TxBody, AuthInfo } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { BroadcastTxError, GasPrice, type IndexedTx, type SequenceResponse, type SignerData } from "@cosmjs/stargate";
import { TxPipeline, type PipelineSigner } from "./tx-pipeline.js";

/** A fake chain: committed sequence `chainSeq`, a mempool that checks sequences, blocks made by `commit()`. */
class FakeChain implements PipelineSigner {
  sequenceOverride: SequenceResponse | undefined;
  chainSeq = 5;
  mempoolSeq = 5;
  signed: number[] = [];
  simulatedWith: number[] = [];
  included = new Map<string, IndexedTx>();
  pending: string[] = [];
  height = 10;
  async getSequence(): Promise<SequenceResponse> {
    return this.sequenceOverride ?? { accountNumber: 3, sequence: this.chainSeq };
  }
  async getChainId(): Promise<string> {
    return "test";
  }
  async simulate(): Promise<number> {
    const { sequence } = await this.getSequence();
    this.simulatedWith.push(sequence);
    if (sequence !== this.mempoolSeq) throw new Error(`query failed: account sequence mismatch, expected ${this.mempoolSeq}, got ${sequence}: incorrect account sequence`);
    return 1000;
  }
  async sign(_a: string, _m: unknown, _f: unknown, memo: string, d: SignerData): Promise<TxRaw> {
    this.signed.push(d.sequence);
    return TxRaw.fromPartial({ bodyBytes: TxBody.encode(TxBody.fromPartial({ memo: `${memo}#${d.sequence}` })).finish(), authInfoBytes: AuthInfo.encode(AuthInfo.fromPartial({})).finish(), signatures: [new Uint8Array([d.sequence])] });
  }
  async broadcastTxSync(tx: Uint8Array): Promise<string> {
    const seq = TxRaw.decode(tx).signatures[0]![0]!;
    if (seq !== this.mempoolSeq) throw new BroadcastTxError(32, "sdk", `account sequence mismatch, expected ${this.mempoolSeq}, got ${seq}`);
    this.mempoolSeq++;
    const hash = `TX${seq}`;
    this.pending.push(hash);
    return hash;
  }
  async getTx(id: string): Promise<IndexedTx | null> {
    return this.included.get(id) ?? null;
  }
  commit(): void {
    this.height++;
    for (const h of this.pending) {
      this.included.set(h, { height: this.height, txIndex: 0, hash: h, code: 0, events: [], rawLog: "", tx: new Uint8Array(), msgResponses: [], gasUsed: 900n, gasWanted: 1500n });
      this.chainSeq++;
    }
    this.pending = [];
  }
}

const opts = { gasPrice: GasPrice.fromString("0.025uinfer"), gasMultiplier: 1.5, pollIntervalMs: 5, timeoutMs: 2000 };

describe("TxPipeline", () => {
  it("concurrent transactions from one key get consecutive sequences and share one block", async () => {
    const chain = new FakeChain();
    const p = new TxPipeline(chain, "infer1me", opts);
    const all = Promise.all([0, 1, 2, 3].map((i) => p.signAndBroadcast([], `m${i}`)));
    // every tx reaches the mempool before any block is made
    while (chain.pending.length < 4) await new Promise((r) => setTimeout(r, 1));
    chain.commit();
    const res = await all;
    expect(chain.signed).toEqual([5, 6, 7, 8]);
    expect(chain.simulatedWith).toEqual([5, 6, 7, 8]);
    expect(new Set(res.map((r) => r.height))).toEqual(new Set([11]));
    expect(res.map((r) => r.transactionHash)).toEqual(["TX5", "TX6", "TX7", "TX8"]);
    expect(chain.sequenceOverride).toBeUndefined();
  });

  it("a stale local sequence (the key used elsewhere) is re-read from the chain once", async () => {
    const chain = new FakeChain();
    const p = new TxPipeline(chain, "infer1me", opts);
    const first = p.signAndBroadcast([], "a");
    while (chain.pending.length < 1) await new Promise((r) => setTimeout(r, 1));
    chain.commit();
    await first;
    // someone else signs with the key: the chain is at 8 now, the pipeline thinks 6
    chain.chainSeq = 8;
    chain.mempoolSeq = 8;
    const second = p.signAndBroadcast([], "b");
    while (chain.pending.length < 1) await new Promise((r) => setTimeout(r, 1));
    chain.commit();
    expect((await second).transactionHash).toBe("TX8");
    expect(chain.simulatedWith).toEqual([5, 6, 8]);
  });

  it("a failure that is not the sequence is thrown, and the next transaction re-reads the sequence", async () => {
    const chain = new FakeChain();
    const p = new TxPipeline(chain, "infer1me", opts);
    const broadcast = chain.broadcastTxSync.bind(chain);
    chain.broadcastTxSync = async () => {
      throw new BroadcastTxError(5, "sdk", "insufficient funds");
    };
    await expect(p.signAndBroadcast([], "x")).rejects.toMatchObject({ code: 5 });
    chain.broadcastTxSync = broadcast;
    const next = p.signAndBroadcast([], "y");
    while (chain.pending.length < 1) await new Promise((r) => setTimeout(r, 1));
    chain.commit();
    expect((await next).transactionHash).toBe("TX5");
  });

  it("times out with a typed error naming the tx when it is never included", async () => {
    const chain = new FakeChain();
    const p = new TxPipeline(chain, "infer1me", { ...opts, timeoutMs: 30 });
    await expect(p.signAndBroadcast([], "x")).rejects.toMatchObject({ code: "timeout", txHash: "TX5" });
  });
});
