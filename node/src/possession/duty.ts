/**
 * Proof-of-possession duty (chain README "Proof of possession"): every possession epoch the chain challenges our
 * executor, for each model it serves, for a few random 4 KiB leaves of the model's files. We answer with the leaf
 * bytes read from the files on disk and their audit paths to the registered file roots (ArtifactHoldings.leafProof,
 * the same trees that serve /v1/artifacts), in one MsgProvePossession per challenge, before its deadline.
 *
 * The record of a challenge is the chain's own open challenge (Query/PossessionChallenges): the follower's
 * EventPossessionChallenge wakes us, reconciliation finds what the events missed (a restart, a gap), and before every
 * broadcast the chain is read again, so an answer that already landed (a timeout hid it) is never sent twice.
 * A challenge we cannot answer (the file is gone or no longer hashes to its root) is logged as an error naming the
 * model, file and deadline: the chain will drop the model from our executor when the window closes.
 */
import type { MsgProvePossession, PossessionChallenge, InferenceEvent } from '@inferchain/sdk';
import type { Logger } from 'pino';
import type { SubmitReceipt } from '../durable/broadcast.js';
import { afterBroadcastFailure, DurableWorker, errText, type Step } from '../durable/worker.js';

/** What the duty reads from the chain. */
export interface PossessionChain {
  latestHeight(): Promise<number>;
  /** Our open challenges (Query/PossessionChallenges). */
  possessionChallenges(validator: string): Promise<PossessionChallenge[]>;
}

/** Reads one leaf and its audit path from the held files (ArtifactHoldings in production). */
export interface LeafProver {
  leafProof(contentRoot: string, path: string, index: number): Promise<{ data: Uint8Array; auditPath: Uint8Array[] }>;
}

export interface PossessionSubmitter {
  prove(msg: MsgProvePossession): Promise<SubmitReceipt>;
}

export interface PossessionDutyOptions {
  chain: PossessionChain;
  prover: LeafProver;
  submitter: PossessionSubmitter;
  /** Our validator operator address and sidecar account. */
  validator: string;
  sidecar: string;
  log: Logger;
  /** Broadcast attempts per challenge (default 5). */
  maxAttempts?: number;
  retryBaseMs?: number;
  idleMs?: number;
}

/** One open challenge of ours, as the duty tracks it between passes (the chain holds the truth). */
interface Pending {
  id: string;
  challenge: PossessionChallenge;
  attempts: number;
}

export type PossessionOutcome = 'proved' | 'already_closed' | 'unanswerable' | 'refused' | 'expired';

export function challengeId(c: Pick<PossessionChallenge, 'model' | 'epoch'>): string {
  return `${c.model}/${c.epoch.toString()}`;
}

/** Builds the answer to a challenge from the held files; throws (naming the file and leaf) when it cannot. */
export async function buildPossessionProof(prover: LeafProver, sidecar: string, c: PossessionChallenge): Promise<MsgProvePossession> {
  const proofs = [];
  for (const l of c.leaves) {
    const index = Number(l.leafIndex);
    try {
      const { data, auditPath } = await prover.leafProof(c.model, l.path, index);
      proofs.push({ path: l.path, leafIndex: l.leafIndex, data: Uint8Array.from(data), auditPath: auditPath.map((h) => Uint8Array.from(h)) });
    } catch (e) {
      throw new Error(`leaf ${index} of "${l.path}": ${errText(e)}`);
    }
  }
  return { sidecar, model: c.model, epoch: c.epoch, proofs };
}

export class PossessionDuty extends DurableWorker<Pending> {
  private readonly pending = new Map<string, Pending>();
  /** Outcomes so far, by kind (metrics and tests). */
  readonly outcomes: Record<PossessionOutcome, number> = { proved: 0, already_closed: 0, unanswerable: 0, refused: 0, expired: 0 };

  constructor(private readonly o: PossessionDutyOptions) {
    super({ name: 'possession duty', what: 'challenge', unfinished: async () => [...this.pending.values()], idOf: (r) => r.id, log: o.log, idleMs: o.idleMs ?? 1000 });
  }

  /** Tracks an open challenge of ours (idempotent); true when it is new. */
  receive(c: PossessionChallenge): boolean {
    if (c.validator !== this.o.validator) return false;
    const id = challengeId(c);
    if (this.pending.has(id)) return false;
    this.pending.set(id, { id, challenge: c, attempts: 0 });
    this.kick();
    return true;
  }

  get open(): number {
    return this.pending.size;
  }

  private end(rec: Pending, outcome: PossessionOutcome): Step {
    this.pending.delete(rec.id);
    this.outcomes[outcome]++;
    return 'done';
  }

  /** Whether the chain still has this challenge open. */
  private async stillOpen(c: PossessionChallenge): Promise<boolean> {
    const open = await this.o.chain.possessionChallenges(this.o.validator);
    return open.some((x) => x.model === c.model && x.epoch === c.epoch);
  }

  async advance(rec: Pending): Promise<Step> {
    const c = rec.challenge;
    const ctx = { model: c.model, epoch: c.epoch.toString(), deadline: c.deadlineHeight.toString() };
    const height = await this.o.chain.latestHeight();
    if (BigInt(height) > c.deadlineHeight) {
      if (await this.stillOpen(c)) return 'wait'; // the chain has not closed it yet (our view may lag)
      this.o.log.warn(ctx, 'possession: challenge window closed before we answered');
      return this.end(rec, 'expired');
    }
    if (!(await this.stillOpen(c))) return this.end(rec, 'already_closed'); // answered (maybe by a broadcast that timed out), or closed
    let msg: MsgProvePossession;
    try {
      msg = await buildPossessionProof(this.o.prover, this.o.sidecar, c);
    } catch (e) {
      this.o.log.error({ ...ctx, err: errText(e) }, `possession: CANNOT ANSWER the challenge for model ${c.model}: ${errText(e)}; the chain drops this model from our executor after height ${c.deadlineHeight} (restore the model files, then re-add the model with MsgUpdateExecutor)`);
      return this.end(rec, 'unanswerable');
    }
    rec.attempts++;
    try {
      const r = await this.o.submitter.prove(msg);
      this.o.log.info({ ...ctx, tx: r.txHash, height: r.height, leaves: c.leaves.length }, 'possession: challenge answered');
      return this.end(rec, 'proved');
    } catch (e) {
      const max = this.o.maxAttempts ?? 5;
      return afterBroadcastFailure(this, e, {
        id: rec.id,
        what: 'possession proof',
        attempts: rec.attempts,
        retryBaseMs: this.o.retryBaseMs ?? 1000,
        log: this.o.log,
        recheck: async () => ((await this.stillOpen(c)) ? (rec.attempts >= max ? this.refusedAfter(rec, errText(e)) : undefined) : this.end(rec, 'already_closed')),
        refused: async (err) => {
          this.o.log.error({ ...ctx, kind: err.kind, err: err.message }, 'possession: the chain refused our proof');
          return this.end(rec, 'refused');
        },
        annotate: async () => undefined,
      });
    }
  }

  private refusedAfter(rec: Pending, reason: string): Step {
    this.o.log.error({ model: rec.challenge.model, epoch: rec.challenge.epoch.toString(), attempts: rec.attempts, err: reason }, 'possession: gave up broadcasting the proof');
    return this.end(rec, 'refused');
  }
}

/** The follower's handler: our EventPossessionChallenge in each block, and reconciliation from the chain. */
export function possessionEventHandler(o: { duty: PossessionDuty; chain: PossessionChain; validator: string; sidecar: string; log: Logger }) {
  return {
    async onBlockEvents(events: readonly InferenceEvent[], height: number): Promise<void> {
      for (const ev of events) {
        if (ev.type !== 'EventPossessionChallenge') continue;
        const c = ev.value.challenge;
        if (!c || (ev.value.sidecar !== o.sidecar && c.validator !== o.validator)) continue;
        if (o.duty.receive(c)) o.log.info({ model: c.model, epoch: c.epoch.toString(), deadline: c.deadlineHeight.toString(), leaves: c.leaves.length, height }, 'possession: challenged');
      }
    },
    async reconcile(): Promise<void> {
      let added = 0;
      for (const c of await o.chain.possessionChallenges(o.validator)) if (o.duty.receive(c)) added++;
      if (added > 0) o.log.info({ added }, 'reconciliation: open possession challenges that no event had brought');
    },
  };
}
