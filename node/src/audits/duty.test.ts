/**
 * The verifier duty's state machine over a fake chain (commit-reveal rules of x/inference), a fake checker and a
 * real level database: commit then reveal, a restart after the commit reveals with the persisted salt and never
 * commits twice, missed windows, the neverReveal fault.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SubmitRejectedError, type SubmitReceipt } from '../jobs/ports.js';
import { CannotCheckError, type AuditChain, type AuditChecker, type AuditJobView, type DutyVerdict, type VerdictSubmitter } from './ports.js';
import { DutyStore, DutyTransitionError } from './store.js';
import type { AuditDutySpec } from './types.js';
import { VerifierDuty } from './duty.js';
import type { VerdictName } from '@inferchain/sdk';
import { commitHash } from '../verify/salt.js';

const log = pino({ level: 'silent' });
const ME = 'infervaloper1meeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
const OTHER = 'infervaloper1otherrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr';
const EXECUTOR = 'infervaloper1executorrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr';

/** The audit rules of the chain: commit by commit_deadline, reveal after the commit phase by reveal_deadline, hash must match. */
class FakeAuditChain implements AuditChain, VerdictSubmitter {
  height = 20;
  view: AuditJobView;
  commits: { jobId: string; hash: string }[] = [];
  reveals: { jobId: string; verdict: VerdictName; salt: string; reason: string }[] = [];
  /** 'lost': the tx lands but the caller hears an error (crash / timeout after inclusion). */
  mode: 'ok' | 'lost' | 'throw' | 'refuse' = 'ok';

  constructor(committee = [ME, OTHER]) {
    this.view = {
      id: '7',
      status: 'auditing',
      model: 'a'.repeat(64),
      executor: EXECUTOR,
      audit: { outcome: 'in_progress', committee, commitDeadline: 30, revealDeadline: 40, votes: [] },
      claim: { prompt: 'hi', maxTokens: 4, temperatureMilli: 0, topK: 0, seed: 1n, outputTokenIds: [1, 2], outputText: 'ab', finishReason: 'length', commitment: 'c'.repeat(64) },
    };
  }
  async latestHeight(): Promise<number> {
    return this.height;
  }
  async getAuditJob(id: string): Promise<AuditJobView | undefined> {
    return id === this.view.id ? structuredClone(this.view) : undefined;
  }
  async executorEndpoint(): Promise<string | undefined> {
    return 'http://127.0.0.1:1';
  }
  otherCommits(): void {
    this.view.audit!.votes.push({ verifier: OTHER, commitHash: 'f'.repeat(64), verdict: undefined, revealed: false });
  }
  async commit(jobId: string, hash: string): Promise<SubmitReceipt> {
    if (this.mode === 'throw') throw new Error('connection refused');
    if (this.mode === 'refuse') throw new SubmitRejectedError('not a committee member', 'unauthorized');
    const a = this.view.audit!;
    if (this.height >= a.commitDeadline) throw new SubmitRejectedError('commit deadline passed', 'deadline_passed');
    if (a.votes.some((v) => v.verifier === ME)) throw new SubmitRejectedError('already committed', 'invalid');
    this.commits.push({ jobId, hash });
    a.votes.push({ verifier: ME, commitHash: hash, verdict: undefined, revealed: false });
    const h = ++this.height;
    if (this.mode === 'lost') throw new Error('timed out waiting for inclusion');
    return { txHash: `C${jobId}`, height: h };
  }
  async reveal(jobId: string, verdict: VerdictName, salt: string, reason: string): Promise<SubmitReceipt> {
    if (this.mode === 'throw') throw new Error('connection refused');
    const a = this.view.audit!;
    const mine = a.votes.find((v) => v.verifier === ME);
    if (!mine) throw new SubmitRejectedError('no commit', 'invalid');
    if (mine.revealed) throw new SubmitRejectedError('already revealed', 'invalid');
    const allCommitted = a.committee.every((m) => a.votes.some((v) => v.verifier === m));
    if (this.height + 1 <= a.commitDeadline && !allCommitted) throw new SubmitRejectedError('commit phase not over', 'invalid');
    if (this.height + 1 > a.revealDeadline) throw new SubmitRejectedError('reveal deadline passed', 'deadline_passed');
    if (commitHash(jobId, verdict, salt, ME) !== mine.commitHash) throw new SubmitRejectedError('reveal does not match the commit', 'invalid');
    this.reveals.push({ jobId, verdict, salt, reason });
    mine.verdict = verdict;
    mine.revealed = true;
    const h = ++this.height;
    if (this.mode === 'lost') throw new Error('timed out waiting for inclusion');
    return { txHash: `R${jobId}`, height: h };
  }
}

class FakeChecker implements AuditChecker {
  calls = 0;
  constructor(
    private readonly answer: DutyVerdict | Error = { verdict: 'fraud', reason: 'step 0: claimed token 1 is 5.2 below the max logit (eps 0.001)', steps: 2, forwardMs: 3, maxGap: 5.2, stepsSource: 'http://x/v1/jobs/7' },
  ) {}
  async check(): Promise<DutyVerdict> {
    this.calls++;
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

const seat: AuditDutySpec = { jobId: '7', model: 'a'.repeat(64), executor: EXECUTOR, verifier: ME, commitDeadline: 30, revealDeadline: 40, decidedHeight: 19 };

let dir: string;
let db: Level<string, unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-duty-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
});
afterEach(async () => {
  if (db.status === 'open') await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function reopen(): Promise<DutyStore> {
  await db.close();
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
  return new DutyStore(db);
}

function duty(store: DutyStore, chain: FakeAuditChain, checker: AuditChecker = new FakeChecker(), extra: Partial<ConstructorParameters<typeof VerifierDuty>[0]> = {}): VerifierDuty {
  return new VerifierDuty({ store, chain, checker, submitter: chain, validator: ME, log, idleMs: 1, retryBaseMs: 1, ...extra });
}

async function advance(d: VerifierDuty, store: DutyStore): Promise<void> {
  const rec = await store.get('7');
  await d.advance(rec!);
}

describe('verifier duty', () => {
  it('checks, commits, waits for the commit phase to end, then reveals with the salt of the commit', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const checker = new FakeChecker();
    const d = duty(store, chain, checker);
    expect((await store.receive(seat)).isNew).toBe(true);
    expect((await store.receive(seat)).isNew).toBe(false);

    await advance(d, store);
    let rec = (await store.get('7'))!;
    expect(rec.state).toBe('committed');
    expect(rec.verdict).toBe('fraud');
    expect(rec.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(chain.commits).toEqual([{ jobId: '7', hash: commitHash('7', 'fraud', rec.salt!, ME) }]);
    expect(rec.history.map((h) => h.state)).toEqual(['received', 'checking', 'decided', 'committing', 'committed']);

    // The other member has not committed and the commit deadline is ahead: no reveal yet.
    await advance(d, store);
    expect((await store.get('7'))!.state).toBe('committed');
    expect(chain.reveals).toEqual([]);

    chain.otherCommits(); // every member committed: the commit phase is over early
    await advance(d, store);
    rec = (await store.get('7'))!;
    expect(rec.state).toBe('revealed');
    expect(chain.reveals).toEqual([{ jobId: '7', verdict: 'fraud', salt: rec.salt, reason: 'step 0: claimed token 1 is 5.2 below the max logit (eps 0.001)' }]);
    expect(rec.revealTx).toBe('R7');
    expect(checker.calls).toBe(1);
  });

  it('reveals after the commit deadline even when another member never committed', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const d = duty(store, chain, new FakeChecker({ verdict: 'valid', steps: 2, forwardMs: 1, maxGap: 0, stepsSource: 'x' }));
    await store.receive(seat);
    await advance(d, store);
    chain.height = 31;
    await advance(d, store);
    expect((await store.get('7'))!.state).toBe('revealed');
    expect(chain.reveals[0]).toMatchObject({ verdict: 'valid', reason: '' });
  });

  it('a restart after the commit reveals with the persisted salt and never commits twice', async () => {
    let store = new DutyStore(db);
    const chain = new FakeAuditChain();
    chain.mode = 'lost'; // the commit lands, but we crash before recording it
    await store.receive(seat);
    await advance(duty(store, chain), store).catch(() => undefined);
    const before = (await store.get('7'))!;
    expect(before.state).toBe('committed'); // the failed broadcast re-read the chain and found our commit
    const salt = before.salt;

    // Simulate the crash right after broadcasting: the record says committing.
    store = await reopen();
    expect((await store.get('7'))!.salt).toBe(salt);

    chain.mode = 'ok';
    chain.height = 31;
    const d2 = duty(store, chain);
    await advance(d2, store);
    const rec = (await store.get('7'))!;
    expect(rec.state).toBe('revealed');
    expect(chain.commits).toHaveLength(1);
    expect(chain.reveals).toEqual([expect.objectContaining({ salt })]);
  });

  it('a record left in committing (crash mid-broadcast) goes to committed from the chain, without a second commit', async () => {
    let store = new DutyStore(db);
    const chain = new FakeAuditChain();
    await store.receive(seat);
    // Drive to `committing` by hand, then put the commit on chain as if the broadcast had landed.
    await store.transition('7', 'checking');
    const salt = 'ab'.repeat(32);
    const hash = commitHash('7', 'valid', salt, ME);
    await store.transition('7', 'decided', { verdict: 'valid', salt, commitHash: hash });
    await store.transition('7', 'committing');
    chain.view.audit!.votes.push({ verifier: ME, commitHash: hash, verdict: undefined, revealed: false });
    store = await reopen();
    chain.height = 31;
    await advance(duty(store, chain), store);
    const rec = (await store.get('7'))!;
    expect(rec.history.map((h) => h.state).slice(-3)).toEqual(['committed', 'revealing', 'revealed']);
    expect(chain.commits).toHaveLength(0);
    expect(chain.reveals).toEqual([{ jobId: '7', verdict: 'valid', salt, reason: '' }]);
  });

  it('the salt, once decided, cannot be replaced', async () => {
    const store = new DutyStore(db);
    await store.receive(seat);
    await store.transition('7', 'checking');
    await store.transition('7', 'decided', { verdict: 'valid', salt: 'ab'.repeat(32), commitHash: 'x' });
    await expect(store.transition('7', 'committing', { salt: 'cd'.repeat(32) })).rejects.toThrow(DutyTransitionError);
    await expect(store.transition('7', 'received')).rejects.toThrow(DutyTransitionError);
  });

  it('a reveal already on chain ends the duty without broadcasting again', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const d = duty(store, chain);
    await store.receive(seat);
    await advance(d, store);
    chain.height = 31;
    chain.mode = 'lost';
    await advance(d, store);
    expect(chain.reveals).toHaveLength(1);
    chain.mode = 'ok';
    await advance(d, store);
    expect((await store.get('7'))!.state).toBe('revealed');
    expect(chain.reveals).toHaveLength(1);
  });

  it('missed: the commit deadline passed before the check', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const checker = new FakeChecker();
    chain.height = 30;
    await store.receive(seat);
    await advance(duty(store, chain, checker), store);
    const rec = (await store.get('7'))!;
    expect(rec.state).toBe('missed');
    expect(rec.reason).toMatch(/commit deadline passed/);
    expect(checker.calls).toBe(0);
    expect(chain.commits).toEqual([]);
  });

  it('missed: the reveal deadline passed while down', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    await store.receive(seat);
    await advance(duty(store, chain), store);
    chain.height = 40;
    await advance(duty(store, chain), store);
    const rec = (await store.get('7'))!;
    expect(rec.state).toBe('missed');
    expect(rec.reason).toMatch(/reveal deadline passed/);
    expect(chain.reveals).toEqual([]);
  });

  it('missed: the audit concluded without our reveal', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    await store.receive(seat);
    chain.view.audit!.outcome = 'honest';
    await advance(duty(store, chain), store);
    expect((await store.get('7'))!).toMatchObject({ state: 'missed', reason: expect.stringMatching(/concluded \(honest\)/) });
  });

  it('fault neverReveal: commits, never reveals, ends missed after the reveal deadline', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const d = duty(store, chain, new FakeChecker(), { neverReveal: true });
    await store.receive(seat);
    await advance(d, store);
    chain.otherCommits();
    chain.height = 35;
    await advance(d, store);
    expect((await store.get('7'))!.state).toBe('committed');
    chain.height = 40;
    await advance(d, store);
    const rec = (await store.get('7'))!;
    expect(rec.state).toBe('missed');
    expect(rec.reason).toMatch(/neverReveal/);
    expect(chain.commits).toHaveLength(1);
    expect(chain.reveals).toEqual([]);
  });

  it('failed: we cannot check (model not loaded here), without voting blind', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    await store.receive(seat);
    await advance(duty(store, chain, new FakeChecker(new CannotCheckError('model aaaa is not loaded here'))), store);
    expect((await store.get('7'))!).toMatchObject({ state: 'failed', reason: 'cannot check: model aaaa is not loaded here' });
    expect(chain.commits).toEqual([]);
  });

  it('a transient check error is retried, then the duty fails after maxAttempts', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const checker = new FakeChecker(new Error('onnx session crashed'));
    const d = duty(store, chain, checker, { maxAttempts: 2 });
    await store.receive(seat);
    for (let i = 0; i < 3; i++) await advance(d, store);
    expect((await store.get('7'))!.state).toBe('failed');
    expect(checker.calls).toBe(2);
  });

  it('transient commit failures are retried; a definite refusal fails the duty', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    const d = duty(store, chain);
    await store.receive(seat);
    chain.mode = 'throw';
    await advance(d, store);
    expect((await store.get('7'))!).toMatchObject({ state: 'committing', reason: expect.stringMatching(/commit attempt 1 failed/) });
    chain.mode = 'refuse';
    await advance(d, store);
    expect((await store.get('7'))!).toMatchObject({ state: 'failed', reason: expect.stringMatching(/chain refused the commit \(unauthorized\)/) });
  });

  it('failed: not on the committee on chain; unknown job', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain([OTHER]);
    await store.receive(seat);
    await advance(duty(store, chain), store);
    expect((await store.get('7'))!.state).toBe('failed');
    await store.receive({ ...seat, jobId: '8' });
    await duty(store, chain).advance((await store.get('8'))!);
    expect((await store.get('8'))!).toMatchObject({ state: 'failed', reason: 'the chain has no such job' });
  });

  it('the run loop drives duties and stops cleanly', async () => {
    const store = new DutyStore(db);
    const chain = new FakeAuditChain();
    chain.otherCommits();
    const d = duty(store, chain);
    await store.receive(seat);
    d.start();
    d.kick();
    for (let i = 0; i < 200 && (await store.get('7'))!.state !== 'revealed'; i++) await new Promise((r) => setTimeout(r, 5));
    await d.stop();
    expect((await store.get('7'))!.state).toBe('revealed');
    expect(await store.countByState()).toMatchObject({ revealed: 1, committed: 0 });
  });
});
