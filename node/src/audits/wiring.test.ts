/**
 * The duty's hooks: EventAuditDecided decoding and the follower calling back for our seats (and reconciliation via
 * Query/Jobs(verifier, AUDITING)), seats from events and jobs, the /v1/audits routes (never the salt; the verdict
 * only once ended), and the verify / faults config sections.
 */
import { loadCalibratedTable } from '../verify/tolerances.js';
import { ADMISSION_DEFAULTS } from '../jobs/admission.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as AbciEvent } from '@cosmjs/stargate';
import { Audit, AuditOutcome, Job, JobStatus, Verdict, inferenceEventTypes } from '@inferchain/sdk';
import { Level } from 'level';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApi } from '../api/server.js';
import { ChainFollower, type BlockSource } from '../chain/follower.js';
import { ConfigError, parseConfig } from '../config/config.js';
import { JobQueue } from '../jobs/queue.js';
import { DEFAULT_CHECK_OPTIONS } from '../verify/check.js';
import { activeFaults } from '../faults/config.js';
import { DutyMetrics } from './metrics.js';
import { auditJobView } from './ports.js';
import { auditChainOf, auditSeatHandler, decodeAuditDecided, dutyFromEvent, dutyFromJob, type AuditDecided } from './setup.js';
import { DutyStore } from './store.js';
import { revealMessage, truncateUtf8 } from './submitter.js';

const log = pino({ level: 'silent' });
const ME = 'infer1mysidecar';
const VAL = 'infervaloper1me';
const j = (v: unknown): string => JSON.stringify(v);
const EVENT_AUDIT_DECIDED = inferenceEventTypes.EventAuditDecided;

function decided(jobId: number, sidecars: string[], committee: string[], outcome = 'AUDIT_OUTCOME_IN_PROGRESS'): AbciEvent {
  return {
    type: EVENT_AUDIT_DECIDED,
    attributes: [
      { key: 'job_id', value: j(String(jobId)) },
      { key: 'model', value: j('ab'.repeat(32)) },
      { key: 'executor', value: j('infervaloper1exec') },
      { key: 'outcome', value: j(outcome) },
      { key: 'committee', value: j(committee) },
      { key: 'committee_sidecars', value: j(sidecars) },
      { key: 'commit_deadline', value: j('30') },
      { key: 'reveal_deadline', value: j('40') },
      { key: 'note', value: j('') },
      { key: 'msg_index', value: '0' },
    ],
  };
}

function auditingJob(committee: string[]): Job {
  return Job.fromPartial({
    id: 9n,
    model: 'ab'.repeat(32),
    executor: 'infervaloper1exec',
    status: JobStatus.JOB_STATUS_AUDITING,
    prompt: 'p',
    seed: 3n,
    result: { outputTokenIds: [1], outputText: 'x', commitment: 'c'.repeat(64), finishReason: 'length', submittedHeight: 10n, submittedBy: 'infer1exec' },
    audit: Audit.fromPartial({
      decidedHeight: 11n,
      outcome: AuditOutcome.AUDIT_OUTCOME_IN_PROGRESS,
      committee,
      commitDeadline: 30n,
      revealDeadline: 40n,
      votes: committee.map((v, i) => ({ verifier: v, commitHash: i === 0 ? 'AB'.repeat(32) : '', verdict: i === 0 ? Verdict.VERDICT_FRAUD : Verdict.VERDICT_UNSPECIFIED, revealedHeight: i === 0 ? 35n : 0n })),
    }),
  });
}

describe('EventAuditDecided', () => {
  it('decodes the typed event', () => {
    expect(decodeAuditDecided(decided(7, [ME], [VAL]), 12)).toEqual({
      jobId: '7',
      model: 'ab'.repeat(32),
      executor: 'infervaloper1exec',
      outcome: 'in_progress',
      committee: [VAL],
      committeeSidecars: [ME],
      commitDeadline: 30,
      revealDeadline: 40,
      note: '',
      height: 12,
    });
    expect(decodeAuditDecided({ type: 'other', attributes: [] }, 1)).toBeUndefined();
    expect(decodeAuditDecided(decided(7, [], [], 'AUDIT_OUTCOME_NOT_SELECTED'), 1)?.outcome).toBe('not_selected');
    expect(() => decodeAuditDecided({ type: EVENT_AUDIT_DECIDED, attributes: [{ key: 'committee', value: '3' }, { key: 'job_id', value: '"1"' }] }, 1)).toThrow(/committee/);
  });

  it('the follower hands over our seats only, and reconciles AUDITING jobs', async () => {
    const seen: AuditDecided[] = [];
    const reconciled: Job[][] = [];
    const source = {
      latestHeight: async () => 3,
      blockEvents: async (h: number): Promise<AbciEvent[]> => (h === 2 ? [decided(7, [ME, 'infer1x'], [VAL, 'infervaloper1x']), decided(8, ['infer1x'], ['infervaloper1x'])] : h === 3 ? [{ type: EVENT_AUDIT_DECIDED, attributes: [{ key: 'committee', value: '5' }] }] : []),
      auditingJobs: async (v: string) => (v === VAL ? [auditingJob([VAL])] : []),
    } satisfies BlockSource & { auditingJobs(v: string): Promise<Job[]> };
    const f = new ChainFollower({
      source,
      cursor: { get: async () => 1, set: async () => undefined },
      handlers: [
        auditSeatHandler({
          sidecar: ME,
          validator: VAL,
          log,
          auditingJobs: (v) => source.auditingJobs(v),
          onAuditDecided: async (d) => void seen.push(d),
          onAuditing: async (jobs) => void reconciled.push(jobs),
        }),
      ],
      log,
      pollIntervalMs: 10,
      reconcileIntervalMs: 0,
    });
    await f.start();
    await f.pass();
    await f.stop();
    expect(seen.map((d) => d.jobId)).toEqual(['7']);
    expect(f.cursor).toBe(3); // an undecodable event is skipped, not a stall
    expect(reconciled[0]?.map((x) => x.id)).toEqual([9n]);
  });

  it('seats from events and from jobs', () => {
    const d = decodeAuditDecided(decided(7, ['infer1x', ME], ['infervaloper1x', VAL]), 12)!;
    expect(dutyFromEvent(d, VAL, ME)).toEqual({ jobId: '7', model: 'ab'.repeat(32), executor: 'infervaloper1exec', verifier: VAL, commitDeadline: 30, revealDeadline: 40, decidedHeight: 12 });
    expect(dutyFromEvent({ ...d, outcome: 'not_selected' }, VAL, ME)).toBeUndefined();
    expect(dutyFromEvent(d, 'infervaloper1notme', 'infer1notme')).toBeUndefined();
    expect(dutyFromJob(auditingJob([VAL]), VAL)).toMatchObject({ jobId: '9', commitDeadline: 30, revealDeadline: 40, decidedHeight: 11 });
    expect(dutyFromJob(auditingJob(['infervaloper1x']), VAL)).toBeUndefined();
  });

  it('the chain job as the duty sees it', async () => {
    const v = auditJobView(auditingJob([VAL, 'infervaloper1x']));
    expect(v.status).toBe('auditing');
    expect(v.audit?.votes).toEqual([
      { verifier: VAL, commitHash: 'ab'.repeat(32), verdict: 'fraud', revealed: true },
      { verifier: 'infervaloper1x', commitHash: '', verdict: undefined, revealed: false },
    ]);
    expect(v.claim).toMatchObject({ prompt: 'p', seed: 3n, outputTokenIds: [1], finishReason: 'length' });
    const chain = auditChainOf({ latestHeight: async () => 5, getChainJob: async () => auditingJob([VAL]), getExecutor: async () => ({ endpoint: '' }) as never });
    expect(await chain.executorEndpoint(VAL)).toBeUndefined();
    expect((await chain.getAuditJob('9'))?.id).toBe('9');
  });

  it('reveal messages: enum verdict, reason bounded to the chain limit', () => {
    const m = revealMessage('infer1me', '9', 'fraud', 'ab'.repeat(32), 'é'.repeat(400));
    expect(m.verdict).toBe(Verdict.VERDICT_FRAUD);
    expect(Buffer.byteLength(m.reason)).toBeLessThanOrEqual(512);
    expect(truncateUtf8('short', 512)).toBe('short');
  });
});

describe('/v1/audits', () => {
  let dir: string;
  let db: Level<string, unknown>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inferchain-audits-api-'));
    db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
    await db.open();
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists and shows duties; never the salt; the verdict only once ended; metrics', async () => {
    const audits = new DutyStore(db);
    const registry = new Registry();
    const m = new DutyMetrics(registry, () => audits.countByState());
    const app = await buildApi({ queue: new JobQueue(db), models: { list: () => [] }, metrics: registry, readiness: async () => ({}), log, version: 't', audits });
    const seat = { model: 'ab'.repeat(32), executor: 'infervaloper1exec', verifier: VAL, commitDeadline: 30, revealDeadline: 40, decidedHeight: 11 };
    await audits.receive({ ...seat, jobId: '7' });
    await audits.transition('7', 'checking');
    await audits.transition('7', 'decided', { verdict: 'fraud', verdictReason: 'step 0: gap', salt: '5a'.repeat(32), commitHash: 'h', check: { steps: 1, forwardMs: 1, maxGap: 9, stepsSource: 's' }, note: 'fraud: step 0: gap' });
    await audits.receive({ ...seat, jobId: '8' });
    await audits.transition('8', 'failed', { reason: 'cannot check' });
    m.checked('fraud', 0.2);

    const list = (await app.inject('/v1/audits')).json() as { audits: { jobId: string }[] };
    expect(list.audits.map((a) => a.jobId)).toEqual(['8', '7']);
    expect((await app.inject('/v1/audits?state=failed')).json()).toMatchObject({ audits: [{ jobId: '8', reason: 'cannot check' }] });
    expect((await app.inject('/v1/audits?state=nope')).statusCode).toBe(400);
    const one = await app.inject('/v1/audits/7');
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain('5a'.repeat(32)); // the salt
    expect(one.body).not.toContain('step 0: gap');
    expect(one.json()).toMatchObject({ state: 'decided', verdict: 'hidden until revealed', commitHash: 'h' });
    await audits.transition('7', 'missed', { reason: 'reveal deadline passed' });
    const ended = (await app.inject('/v1/audits/7')).json() as Record<string, unknown>;
    expect(ended).toMatchObject({ verdict: 'fraud', verdictReason: 'step 0: gap', check: { maxGap: 9 } });
    expect(ended.salt).toBeUndefined();
    expect((await app.inject('/v1/audits/99')).statusCode).toBe(404);
    expect((await app.inject('/v1/audits/x')).statusCode).toBe(400);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('inferchain_node_audits_checked_total{verdict="fraud"} 1');
    expect(metrics).toContain('inferchain_node_audits{state="missed"} 1');
    expect(metrics).toContain('inferchain_node_audit_check_seconds_count 1');
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/audits/{jobId}');
    await app.close();
  });
});

describe('verify and faults config', () => {
  const base = { sidecar: { keyName: 'k' }, validator: 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e', models: [{ contentRoot: 'a'.repeat(64), dir: '/m' }] };

  it('defaults: verifying on with the core defaults, no faults', () => {
    const c = parseConfig(base, { baseDir: '/cfg' });
    expect(c.verify).toEqual({ enabled: true, check: { ...DEFAULT_CHECK_OPTIONS }, tolerances: loadCalibratedTable(), toleranceOverride: {}, fetchTimeoutMs: 10_000, maxAttempts: 5, allowLoopbackPeers: false, allowPrivatePeers: false });
    expect(c.faults).toEqual({ verify: { neverReveal: false, alwaysFraud: false }, executor: {}, training: { forgeCheckpoint: false } });
    expect(c.admission).toEqual(ADMISSION_DEFAULTS);
    expect(activeFaults(c.faults)).toEqual([]);
  });

  it('verify overrides and faults from the file', () => {
    const c = parseConfig({ ...base, verify: { eps: 0.05, fetchTimeoutMs: 500 }, faults: { verify: { neverReveal: true }, executor: { forge: 'other-model', forgeModelDir: 'other' } } }, { baseDir: '/cfg' });
    expect(c.verify.check.eps).toBe(0.05);
    expect(c.verify.check.topkTolerance).toBe(DEFAULT_CHECK_OPTIONS.topkTolerance);
    expect(c.verify.fetchTimeoutMs).toBe(500);
    expect(c.verify.toleranceOverride).toEqual({ eps: 0.05 });
    expect(c.faults).toEqual({ verify: { neverReveal: true, alwaysFraud: false }, executor: { forge: 'other-model', forgeModelDir: '/cfg/other' }, training: { forgeCheckpoint: false } });
    expect(activeFaults(c.faults)).toHaveLength(2);
    const lazy = parseConfig({ ...base, verify: { providerPairs: { 'cuda->cpu': { f32: { eps: 0.02, topkTolerance: 0.03 } } } }, faults: { verify: { alwaysFraud: true } }, admission: { safetyFactor: 2 } }, { baseDir: '/cfg' });
    expect(lazy.verify.tolerances['cuda->cpu']).toEqual({ f32: { eps: 0.02, topkTolerance: 0.03 } });
    expect(lazy.verify.tolerances['cpu->cpu']).toEqual(loadCalibratedTable()['cpu->cpu']);
    expect(activeFaults(lazy.faults)).toEqual(['faults.verify.alwaysFraud: every audit is voted FRAUD without checking']);
    expect(lazy.admission.safetyFactor).toBe(2);
    expect(() => parseConfig({ ...base, verify: { providerPairs: { cuda: {} } } })).toThrow(/verify.providerPairs: key "cuda"/);
  });

  it('refuses bad values, names them; no environment variable reaches faults', () => {
    const bad = () => parseConfig({ ...base, verify: { eps: -1, bogus: 1 }, faults: { executor: { forge: 'evil' }, verify: { neverReveal: 'yes' } } });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const p = (e as ConfigError).problems.join('\n');
      expect(p).toMatch(/verify\.eps/);
      expect(p).toMatch(/verify\.bogus: unknown setting/);
      expect(p).toMatch(/faults\.executor\.forge/);
      expect(p).toMatch(/faults\.verify\.neverReveal/);
    }
    expect(() => parseConfig({ ...base, faults: { executor: { forge: 'other-model' } } })).toThrow(/forgeModelDir: required/);
    expect(() => parseConfig(base, { env: { INFERCHAIN_NODE_FAULTS: '{"verify":{"neverReveal":true}}' } })).toThrow(/unknown override/);
  });
});
