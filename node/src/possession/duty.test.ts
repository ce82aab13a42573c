import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { InferenceEvent, MsgProvePossession, PossessionChallenge } from '@inferchain/sdk';
import { SubmitRejectedError, type SubmitReceipt } from '../durable/broadcast.js';
import { buildPossessionProof, PossessionDuty, possessionEventHandler, type LeafProver, type PossessionChain } from './duty.js';

const VAL = 'infervaloper1us';
const SIDECAR = 'infer1sidecar';
const log = pino({ level: 'silent' });

function challenge(model: string, epoch: bigint, over: Partial<PossessionChallenge> = {}): PossessionChallenge {
  return { validator: VAL, model, epoch, issuedHeight: epoch * 30n, deadlineHeight: epoch * 30n + 30n, leaves: [{ path: 'model.onnx', leafIndex: 3n }, { path: 'config.json', leafIndex: 0n }], ...over };
}

/** A chain whose open challenges close when a valid-looking answer is broadcast (the submitter below). */
class FakeChain implements PossessionChain {
  height = 40;
  open: PossessionChallenge[] = [];
  async latestHeight(): Promise<number> {
    return this.height;
  }
  async possessionChallenges(validator: string): Promise<PossessionChallenge[]> {
    return this.open.filter((c) => c.validator === validator);
  }
}

class FakeSubmitter {
  sent: MsgProvePossession[] = [];
  failures: Error[] = [];
  constructor(private readonly chain: FakeChain) {}
  async prove(msg: MsgProvePossession): Promise<SubmitReceipt> {
    const f = this.failures.shift();
    if (f) throw f;
    this.sent.push(msg);
    this.chain.open = this.chain.open.filter((c) => !(c.model === msg.model && c.epoch === msg.epoch));
    return { txHash: `tx${this.sent.length}`, height: this.chain.height };
  }
}

const files: Record<string, Buffer> = { 'model.onnx': Buffer.alloc(4096, 7), 'config.json': Buffer.from('{}') };
const prover: LeafProver = {
  async leafProof(_root, path, index) {
    const b = files[path];
    if (!b) throw new Error(`${path} is gone`);
    return { data: b, auditPath: [Buffer.alloc(32, index)] };
  },
};

let duty: PossessionDuty | undefined;
afterEach(async () => {
  await duty?.stop();
  duty = undefined;
});

function setup(p: LeafProver = prover) {
  const chain = new FakeChain();
  const submitter = new FakeSubmitter(chain);
  duty = new PossessionDuty({ chain, prover: p, submitter, validator: VAL, sidecar: SIDECAR, log, retryBaseMs: 1, idleMs: 5 });
  const handler = possessionEventHandler({ duty, chain, validator: VAL, sidecar: SIDECAR, log });
  return { chain, submitter, duty, handler };
}

const event = (c: PossessionChallenge, sidecar = SIDECAR): InferenceEvent => ({ type: 'EventPossessionChallenge', value: { challenge: c, sidecar } });

describe('possession duty', () => {
  it('answers a challenge of ours once, with the leaves read from the held files', async () => {
    const { chain, submitter, duty, handler } = setup();
    const c = challenge('m1', 1n);
    chain.open.push(c);
    await handler.onBlockEvents([event(c), event(c)], 30); // replayed: still one record
    expect(duty.open).toBe(1);
    await duty.advance({ id: 'm1/1', challenge: c, attempts: 0 });
    expect(submitter.sent).toHaveLength(1);
    const m = submitter.sent[0]!;
    expect(m.sidecar).toBe(SIDECAR);
    expect(m.epoch).toBe(1n);
    expect(m.proofs.map((p) => [p.path, p.leafIndex])).toEqual([['model.onnx', 3n], ['config.json', 0n]]);
    expect(Buffer.from(m.proofs[0]!.data)).toEqual(files['model.onnx']);
    expect(duty.outcomes.proved).toBe(1);
    expect(duty.open).toBe(0);
  });

  it('ignores challenges of other executors', async () => {
    const { duty, handler } = setup();
    await handler.onBlockEvents([event(challenge('m1', 1n, { validator: 'infervaloper1other' }), 'infer1other')], 30);
    expect(duty.open).toBe(0);
  });

  it('never broadcasts twice: a challenge already closed on chain (our earlier answer landed) ends without a broadcast', async () => {
    const { submitter, duty } = setup();
    duty.receive(challenge('m1', 1n)); // not open on chain any more
    await duty.advance({ id: 'm1/1', challenge: challenge('m1', 1n), attempts: 0 });
    expect(submitter.sent).toHaveLength(0);
    expect(duty.outcomes.already_closed).toBe(1);
  });

  it('cannot answer when the weights are gone: no broadcast, logged, the chain will drop the model', async () => {
    const lines: string[] = [];
    const chain = new FakeChain();
    const submitter = new FakeSubmitter(chain);
    const c = challenge('m1', 1n, { leaves: [{ path: 'missing.bin', leafIndex: 0n }] });
    chain.open.push(c);
    const capture = pino({ level: 'error' }, { write: (s: string) => void lines.push(s) });
    duty = new PossessionDuty({ chain, prover, submitter, validator: VAL, sidecar: SIDECAR, log: capture });
    await duty.advance({ id: 'm1/1', challenge: c, attempts: 0 });
    expect(submitter.sent).toHaveLength(0);
    expect(duty.outcomes.unanswerable).toBe(1);
    expect(lines.join('')).toMatch(/CANNOT ANSWER the challenge for model m1: leaf 0 of \\"missing\.bin\\": missing\.bin is gone/);
  });

  it('retries a transient failure, and a refusal ends the record', async () => {
    const { chain, submitter, duty } = setup();
    const c = challenge('m1', 1n);
    chain.open.push(c);
    submitter.failures.push(new Error('socket hang up'));
    const rec = { id: 'm1/1', challenge: c, attempts: 0 };
    expect(await duty.advance(rec)).toBe('wait');
    expect(await duty.advance(rec)).toBe('done');
    expect(submitter.sent).toHaveLength(1);
    const c2 = challenge('m2', 1n);
    chain.open.push(c2);
    submitter.failures.push(new SubmitRejectedError('proofs[0].audit_path: does not lead', 'invalid'));
    expect(await duty.advance({ id: 'm2/1', challenge: c2, attempts: 0 })).toBe('done');
    expect(duty.outcomes.refused).toBe(1);
  });

  it('a window that closed before we got to it is not answered', async () => {
    const { chain, submitter, duty } = setup();
    const c = challenge('m1', 1n);
    chain.height = 61;
    duty.receive(c);
    await duty.advance({ id: 'm1/1', challenge: c, attempts: 0 });
    expect(submitter.sent).toHaveLength(0);
    expect(duty.outcomes.expired).toBe(1);
  });

  it('reconciliation picks up open challenges no event brought (restart), and the running duty answers them', async () => {
    const { chain, submitter, duty, handler } = setup();
    chain.open.push(challenge('m1', 1n), challenge('m2', 1n));
    await handler.reconcile();
    expect(duty.open).toBe(2);
    duty.start();
    for (let i = 0; i < 200 && submitter.sent.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(submitter.sent.map((m) => m.model).sort()).toEqual(['m1', 'm2']);
    expect(chain.open).toHaveLength(0);
  });

  it('buildPossessionProof names the leaf it could not read', async () => {
    await expect(buildPossessionProof(prover, SIDECAR, challenge('m', 1n, { leaves: [{ path: 'x', leafIndex: 9n }] }))).rejects.toThrow('leaf 9 of "x": x is gone');
  });
});
