/**
 * The sidecar's object graph, built without I/O: given what Daemon.start opened and loaded (database stores, chain
 * connection, model store, signer), this wires the job processor, the verifier duty and the follower with its event
 * handlers (jobs/events.ts, audits/setup.ts). Business rules live in those modules, not here.
 */
import { JobAdmission, maxConcurrentJobs, measuredGenerator, measuredSubmitter } from '../jobs/admission.js';
import type { OfflineSigner } from '@cosmjs/proto-signing';
import type { Executor, Job } from '@inferchain/sdk';
import type { Logger } from 'pino';
import { EngineAuditChecker } from '../audits/checker.js';
import { VerifierDuty } from '../audits/duty.js';
import type { DutyMetrics } from '../audits/metrics.js';
import type { VerdictSubmitter } from '../audits/ports.js';
import { auditChainOf, auditEventHandler } from '../audits/setup.js';
import type { DutyStore } from '../audits/store.js';
import { ChainSubmitter } from '../chain/signer.js';
import { ChainFollower, websocketUrlOf, type BlockSource, type ChainEventHandler, type CursorStore } from '../chain/follower.js';
import { ChainVerdictSubmitter } from '../audits/submitter.js';
import type { NodeConfig } from '../config/config.js';
import { EngineLock } from '../engine/lock.js';
import { ForgingGenerator } from '../faults/forging-generator.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import { jobEventHandler } from '../jobs/events.js';
import type { ChainAccess, JobGenerator, ResultSubmitter } from '../jobs/ports.js';
import { JobProcessor, type JobStreams } from '../jobs/processor.js';
import type { JobQueue } from '../jobs/queue.js';
import type { ModelStore } from '../store/model-store.js';
import { PossessionDuty, possessionEventHandler, type LeafProver, type PossessionChain, type PossessionSubmitter } from '../possession/duty.js';
import { inferenceTypeUrls } from '@inferchain/sdk';
import type { SidecarMetrics } from './metrics.js';

/** What the wiring reads from the chain (ChainClient in production, a fake in tests). */
export interface WiringChain extends BlockSource, ChainAccess {
  getChainJob(id: string): Promise<Job | undefined>;
  getExecutor(validator: string): Promise<Executor | undefined>;
  pendingJobs(executor: string): Promise<Job[]>;
  /** AUDITING jobs whose committee includes `verifier` (audit reconciliation; optional). */
  auditingJobs?(verifier: string): Promise<Job[]>;
  /** Our open proof-of-possession challenges (without it, the possession duty is off). */
  possessionChallenges?: PossessionChain['possessionChallenges'];
}

export interface SidecarParts {
  config: NodeConfig;
  log: Logger;
  queue: JobQueue;
  audits: DutyStore;
  chain: WiringChain;
  models: ModelStore;
  cursor: CursorStore;
  /** Our sidecar account and its signer. */
  sidecar: string;
  signer: OfflineSigner;
  submitter: ResultSubmitter;
  /** Replaces the MsgCommitVerdict/MsgRevealVerdict signer (tests). */
  verdicts?: (sidecar: string, signer: OfflineSigner) => VerdictSubmitter;
  metrics: SidecarMetrics;
  dutyMetrics: DutyMetrics;
  /** Extra reconciliation step after the jobs' one (the daemon refreshes its executor record). */
  afterJobReconcile?: () => Promise<void>;
  /** Live token streams to requesters (the API's TokenHub). */
  streams?: JobStreams;
  /** More follower handlers (the training duty's reconciliation, training/setup.ts). */
  extraHandlers?: ChainEventHandler[];
  /** The held artifacts (ArtifactHoldings): proof-of-possession answers read their leaves there. */
  holdings?: LeafProver;
  /** Replaces the MsgProvePossession broadcaster (tests). */
  possessionSubmitter?: PossessionSubmitter;
}

export interface SidecarServices {
  processor: JobProcessor;
  /** Undefined when verify.enabled is false. */
  duty: VerifierDuty | undefined;
  follower: ChainFollower;
  /** Undefined without holdings, a possession query or a broadcaster. */
  possession: PossessionDuty | undefined;
}

export function wireSidecar(p: SidecarParts): SidecarServices {
  const cfg = p.config;
  const engineLock = new EngineLock(); // generations and audit checks take turns on the engine
  const admission = new JobAdmission({ config: cfg.admission, concurrency: maxConcurrentJobs(cfg.engine) });
  const processor = new JobProcessor({
    queue: p.queue,
    chain: p.chain,
    // The engine lock is taken per model run (prefill, decode step) inside the generator, so audit checks take
    // turns with generation steps; timed around it: waits behind audits are part of the throughput a job can expect.
    generator: measuredGenerator(generator(p, engineLock), admission),
    maxConcurrentJobs: cfg.engine.maxConcurrentJobs,
    submitter: measuredSubmitter(p.submitter, admission),
    validator: cfg.validator,
    log: p.log.child({ component: 'jobs' }),
    metrics: p.metrics,
    ...(p.streams ? { streams: p.streams } : {}),
    skip: (id) => admission.inFlight.has(id),
  });
  const duty = cfg.verify.enabled ? verifierDuty(p, engineLock) : undefined;
  const handlers: ChainEventHandler[] = [
    jobEventHandler({ queue: p.queue, admission, ...(p.submitter.rejectMany ? { rejectMany: (jobs) => p.submitter.rejectMany!(jobs) } : {}), chain: p.chain, processor, sidecar: p.sidecar, validator: cfg.validator, log: p.log.child({ component: 'follower' }) }),
  ];
  if (p.afterJobReconcile) handlers.push({ onBlockEvents: async () => undefined, reconcile: p.afterJobReconcile });
  handlers.push(...(p.extraHandlers ?? []));
  if (duty) handlers.push(auditEventHandler({ store: p.audits, chain: p.chain, duty, sidecar: p.sidecar, validator: cfg.validator, log: p.log.child({ component: 'follower' }) }));
  const possession = possessionDuty(p);
  if (possession && p.chain.possessionChallenges) {
    const chain: PossessionChain = { latestHeight: () => p.chain.latestHeight(), possessionChallenges: p.chain.possessionChallenges.bind(p.chain) };
    handlers.push(possessionEventHandler({ duty: possession, chain, validator: cfg.validator, sidecar: p.sidecar, log: p.log.child({ component: 'follower' }) }));
  }
  const follower: ChainFollower = new ChainFollower({
    source: p.chain,
    cursor: p.cursor,
    handlers,
    log: p.log.child({ component: 'follower' }),
    pollIntervalMs: cfg.chain.pollIntervalMs,
    reconcileIntervalMs: cfg.chain.reconcileIntervalMs,
    ...(cfg.chain.websocket ? { websocketUrl: websocketUrlOf(cfg.chain.rpc) } : {}),
    onHeight: (h) => {
      duty?.kick(); // reveal windows open with heights
      admission.observeHeight(h);
      possession?.kick();
      p.metrics.chainHeight.set(h);
      p.metrics.cursorHeight.set(follower.cursor);
    },
  });
  return { processor, duty, follower, possession };
}

/** The proof-of-possession duty: on whenever the chain can be asked for our challenges and we can answer them. */
function possessionDuty(p: SidecarParts): PossessionDuty | undefined {
  const list = p.chain.possessionChallenges;
  if (!p.holdings || !list) return undefined;
  const submitter: PossessionSubmitter | undefined =
    p.possessionSubmitter ??
    (p.submitter instanceof ChainSubmitter
      ? ((s) => ({ prove: (msg) => s.broadcast({ id: `possession/${msg.model}/${msg.epoch}` }, { typeUrl: inferenceTypeUrls.MsgProvePossession, value: msg }) }))(p.submitter)
      : undefined);
  if (!submitter) return undefined;
  return new PossessionDuty({
    chain: { latestHeight: () => p.chain.latestHeight(), possessionChallenges: list.bind(p.chain) },
    prover: p.holdings,
    submitter,
    validator: p.config.validator,
    sidecar: p.sidecar,
    log: p.log.child({ component: 'possession' }),
  });
}

/** The engine generator, wrapped by the forging one when faults.executor.forge is set (tests only). */
function generator(p: SidecarParts, lock: EngineLock): JobGenerator {
  const cfg = p.config;
  const honest = new EngineGenerator({ models: p.models, threads: cfg.engine.threads, topKCommit: cfg.engine.topKCommit, maxBatch: cfg.engine.maxConcurrentJobs, gate: (label, fn) => lock.run(label, fn) });
  if (!cfg.faults.executor.forge) return honest;
  return new ForgingGenerator({ inner: honest, faults: cfg.faults.executor, models: p.models, engine: cfg.engine, log: p.log.child({ component: 'faults' }) });
}

function verifierDuty(p: SidecarParts, lock: EngineLock): VerifierDuty {
  const cfg = p.config;
  const auditChain = auditChainOf(p.chain);
  const verdicts: VerdictSubmitter = p.verdicts
    ? p.verdicts(p.sidecar, p.signer)
    : p.submitter instanceof ChainSubmitter
      ? new ChainVerdictSubmitter(p.submitter)
      : {
          commit: () => Promise.reject(new Error('no verdict submitter configured (tests: DaemonDeps.verdicts)')),
          reveal: () => Promise.reject(new Error('no verdict submitter configured (tests: DaemonDeps.verdicts)')),
        };
  return new VerifierDuty({
    store: p.audits,
    chain: auditChain,
    checker: new EngineAuditChecker({
      models: p.models,
      chain: auditChain,
      lock,
      options: cfg.verify.check,
      tolerances: cfg.verify.tolerances,
      toleranceOverride: cfg.verify.toleranceOverride,
      alwaysFraud: cfg.faults.verify.alwaysFraud,
      fetchTimeoutMs: cfg.verify.fetchTimeoutMs,
      peerPolicy: { allowLoopback: cfg.verify.allowLoopbackPeers, allowPrivate: cfg.verify.allowPrivatePeers },
    }),
    submitter: verdicts,
    validator: cfg.validator,
    log: p.log.child({ component: 'audits' }),
    metrics: p.dutyMetrics,
    neverReveal: cfg.faults.verify.neverReveal,
    maxAttempts: cfg.verify.maxAttempts,
  });
}
