/**
 * The sidecar's lifecycle. start(): open state, serve the API, load the signer, connect to the chain,
 * verify and load models, then run the follower and the job processor; logs `ready` when all of that is up.
 * stop(): the reverse, gracefully (the current job finishes or stays checkpointed in level).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Level } from 'level';
import { pino, type Logger } from 'pino';
import type { OfflineSigner } from '@cosmjs/proto-signing';
import type { Executor, Job } from '@inferchain/sdk';
import { buildApi, type ReadyCheck } from '../api/server.js';
import { TokenHub } from '../api/token-hub.js';
import type { VerifierDuty } from '../audits/duty.js';
import type { PossessionDuty } from '../possession/duty.js';
import { DutyMetrics } from '../audits/metrics.js';
import type { VerdictSubmitter } from '../audits/ports.js';
import { DutyStore } from '../audits/store.js';
import { ChainClient } from '../chain/client.js';
import type { ChainFollower, CursorStore } from '../chain/follower.js';
import { ChainSubmitter, loadSidecarSigner } from '../chain/signer.js';
import type { NodeConfig } from '../config/config.js';
import { activeFaults } from '../faults/config.js';
import type { ResultSubmitter } from '../jobs/ports.js';
import type { JobProcessor } from '../jobs/processor.js';
import { JobQueue } from '../jobs/queue.js';
import type { ModelRegistry } from '../store/registry.js';
import { ModelStore } from '../store/model-store.js';
import { ArtifactHoldings } from '@inferchain/sdk';
import { DatasetStore } from '../store/datasets.js';
import type { TrainingDuty } from '../training/duty.js';
import type { CheckpointSource } from '../training/checkpoints.js';
import type { TrainingVerifierDuty } from '../training/verify-duty.js';
import { wireTraining } from '../training/setup.js';
import { SidecarMetrics } from './metrics.js';
import { wireSidecar, type WiringChain } from './wiring.js';

export const SIDECAR_VERSION = '0.1.0';

export class DaemonError extends Error {
  override name = 'DaemonError';
}

/** Everything the daemon reads from the chain (ChainClient in production, a fake in tests). */
export interface SidecarChain extends WiringChain, ModelRegistry {
  chainId(): Promise<string>;
  getChainJob(id: string): Promise<Job | undefined>;
  getExecutor(validator: string): Promise<Executor | undefined>;
  disconnect(): void;
}

export interface DaemonDeps {
  /** Replaces the RPC connection (tests). */
  chain?: SidecarChain;
  /** Replaces the MsgSubmitResult signer; required with `chain`. */
  submitter?: (sidecar: string, signer: OfflineSigner) => ResultSubmitter;
  /** Replaces the MsgCommitVerdict/MsgRevealVerdict signer (with `chain`; without it audits cannot be answered). */
  verdicts?: (sidecar: string, signer: OfflineSigner) => VerdictSubmitter;
}

interface ExecutorState {
  registered: boolean;
  sidecarMatches: boolean;
  active: boolean;
  models: string[];
  checkedAt?: string;
  error?: string;
}

export class Daemon {
  readonly log: Logger;
  private db: Level<string, unknown> | undefined;
  queue: JobQueue | undefined;
  private api: FastifyInstance | undefined;
  private chain: SidecarChain | undefined;
  private store: ModelStore | undefined;
  private follower: ChainFollower | undefined;
  private processor: JobProcessor | undefined;
  audits: DutyStore | undefined;
  private duty: VerifierDuty | undefined;
  private training: TrainingDuty | undefined;
  private trainingVerifier: TrainingVerifierDuty | undefined;
  /** Filled once training is wired (after the API is listening): the checkpoints replay audits fetch from us. */
  private readonly trainingCheckpoints: { current?: CheckpointSource } = {};
  private possession: PossessionDuty | undefined;
  private metrics: SidecarMetrics | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private executor: ExecutorState = { registered: false, sidecarMatches: false, active: false, models: [] };
  /** Sidecar account address, once the key is loaded. */
  address: string | undefined;
  /** Base URL of the API once listening. */
  url: string | undefined;

  constructor(
    readonly config: NodeConfig,
    log?: Logger,
    private readonly deps: DaemonDeps = {},
  ) {
    this.log = log ?? pino({ name: 'inferchain-node', level: config.logLevel });
  }

  async start(): Promise<void> {
    const cfg = this.config;
    await mkdir(cfg.dataDir, { recursive: true });
    this.db = new Level<string, unknown>(join(cfg.dataDir, 'db'), { valueEncoding: 'json' });
    try {
      await this.db.open();
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new DaemonError(`cannot open the database in ${cfg.dataDir}: ${cause} (is another sidecar using this dataDir?)`);
    }
    const queue = (this.queue = new JobQueue(this.db));
    const metrics = (this.metrics = new SidecarMetrics(() => queue.countByState()));
    queue.onChange((rec) => metrics.transitions.inc({ state: rec.state }));
    const audits = (this.audits = new DutyStore(this.db));
    const dutyMetrics = new DutyMetrics(metrics.registry, () => audits.countByState());
    for (const f of activeFaults(cfg.faults)) this.log.warn({ fault: f }, `FAULT INJECTION ENABLED (config "faults", for tests only; this sidecar misbehaves on purpose): ${f}`);
    const store = (this.store = new ModelStore({ models: cfg.models, engine: cfg.engine, log: this.log.child({ component: 'models' }) }));

    // API first, so /healthz and /readyz can be watched during startup.
    const tokens = new TokenHub();
    // The chain connects after the API listens: grants are looked up through it once it is there.
    const streams = {
      hub: tokens,
      chainId: cfg.chain.chainId,
      isRequestGrantee: async (granter: string, grantee: string) => {
        const c = this.chain as Partial<ChainClient> | undefined;
        return c?.isRequestGrantee ? c.isRequestGrantee(granter, grantee) : false;
      },
    };
    const datasets = new DatasetStore(cfg.datasets ?? [], this.log.child({ component: 'datasets' }));
    const artifacts = new ArtifactHoldings({ list: () => [...store.held(), ...datasets.held()] });
    this.api = await buildApi({ queue, models: store, metrics: metrics.registry, readiness: () => this.readiness(), log: this.log, version: SIDECAR_VERSION, audits, streams, artifacts, trainingCheckpoints: this.trainingCheckpoints });
    const address = await this.api.listen({ host: cfg.api.host, port: cfg.api.port });
    this.url = address;
    this.log.info({ url: address }, 'api listening');

    const { signer, address: sidecar, requestKey } = await loadSidecarSigner(cfg.sidecar);
    this.address = sidecar;
    this.log.info({ sidecar }, 'sidecar key loaded');

    const chain = (this.chain = await this.connectChain());
    await this.refreshExecutor();

    // Verify against the registry before loading anything into the engine.
    await store.loadAll(chain);
    await datasets.verifyAll();
    if (this.isStopping()) return;

    const submitter = this.deps.submitter
      ? this.deps.submitter(sidecar, signer)
      : new ChainSubmitter({ comet: (chain as ChainClient).comet, signer, address: sidecar, gasPrice: cfg.chain.gasPrice, log: this.log.child({ component: 'submitter' }) });
    // Training duty (off by default): needs the real chain connection and signer.
    const training =
      cfg.training.enabled && submitter instanceof ChainSubmitter && chain instanceof ChainClient
        ? wireTraining({
            config: cfg.training,
            db: this.db,
            comet: chain.comet,
            broadcaster: submitter,
            models: store,
            registry: chain,
            validator: cfg.validator,
            chainId: cfg.chain.chainId,
            requestKey,
            log: this.log,
            executorEndpoint: async (v) => (await chain.getExecutor(v))?.endpoint || undefined,
            executorSidecar: async (v) => (await chain.getExecutor(v))?.sidecar || undefined,
            peerPolicy: { allowLoopback: cfg.verify.allowLoopbackPeers, allowPrivate: cfg.verify.allowPrivatePeers },
            ...(cfg.faults.training.forgeCheckpoint ? { forgeCheckpoint: true } : {}),
          })
        : undefined;
    if (cfg.training.enabled && !training) this.log.warn('training.enabled is set but the chain or signer is replaced (tests): no training duty');
    this.training = training?.duty;
    this.trainingVerifier = training?.verifier;
    if (training) this.trainingCheckpoints.current = training.checkpoints;
    const { processor, duty, follower, possession } = wireSidecar({
      config: cfg,
      log: this.log,
      queue,
      audits,
      chain,
      models: store,
      cursor: this.cursorStore(),
      sidecar,
      signer,
      submitter,
      ...(this.deps.verdicts ? { verdicts: this.deps.verdicts } : {}),
      metrics,
      dutyMetrics,
      afterJobReconcile: () => this.refreshExecutor(),
      streams: tokens,
      ...(training ? { extraHandlers: [training.handler] } : {}),
      holdings: artifacts,
    });
    this.processor = processor;
    this.duty = duty;
    this.possession = possession;
    this.follower = follower;
    processor.start(); // resumes unfinished jobs from the queue
    duty?.start(); // resumes unfinished audit duties
    this.training?.start(); // resumes unfinished training jobs
    this.trainingVerifier?.start(); // resumes unfinished training audits
    possession?.start(); // open challenges come back through reconciliation
    await this.follower.start();
    this.started = true;
    const models = store.list();
    this.log.info(
      { url: address, sidecar, validator: cfg.validator, modelsReady: models.filter((m) => m.state === 'ready').length, modelsRefused: models.filter((m) => m.state !== 'ready').map((m) => m.contentRoot) },
      'ready',
    );
  }

  private isStopping(): boolean {
    return this.stopping !== undefined;
  }

  private async connectChain(): Promise<SidecarChain> {
    const { rpc, chainId } = this.config.chain;
    if (this.deps.chain) {
      if (!this.deps.submitter) throw new DaemonError('a replaced chain needs a replaced submitter');
      const actual = await this.deps.chain.chainId();
      if (actual !== chainId) throw new DaemonError(`chain.chainId: the chain is "${actual}", not "${chainId}"`);
      return this.deps.chain;
    }
    for (let attempt = 1; ; attempt++) {
      if (this.isStopping()) throw new DaemonError('stopped while connecting to the chain');
      try {
        const chain: SidecarChain = await ChainClient.connect(rpc);
        const actual = await chain.chainId();
        if (actual !== chainId) {
          chain.disconnect();
          throw new DaemonError(`chain.chainId: the node at ${rpc} is on chain "${actual}", not "${chainId}"`);
        }
        this.log.info({ rpc, chainId }, 'connected to the chain');
        return chain;
      } catch (e) {
        if (e instanceof DaemonError) throw e;
        const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
        this.log.warn({ rpc, err: (e as Error).message, retryInMs: delay }, 'chain not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async refreshExecutor(): Promise<void> {
    if (!this.chain) return;
    try {
      const ex = await this.chain.getExecutor(this.config.validator);
      const prev = this.executor;
      this.executor = {
        registered: ex !== undefined,
        sidecarMatches: ex?.sidecar === this.address,
        active: ex?.active ?? false,
        models: ex?.models ?? [],
        checkedAt: new Date().toISOString(),
      };
      if (!ex && (prev.registered || !prev.checkedAt)) {
        this.log.warn({ validator: this.config.validator }, 'validator is not registered as an executor (run `inferchain-node register-executor`)');
      } else if (ex && ex.sidecar !== this.address && (prev.sidecarMatches || !prev.checkedAt)) {
        this.log.error({ bound: ex.sidecar, ours: this.address }, 'the executor is bound to another sidecar account; results from this key will be refused');
      }
    } catch (e) {
      this.executor = { ...this.executor, error: (e as Error).message };
    }
  }

  private cursorStore(): CursorStore {
    const meta = this.db!.sublevel<string, number>('meta', { valueEncoding: 'json' });
    return { get: () => meta.get('cursor'), set: (h) => meta.put('cursor', h) };
  }

  async readiness(): Promise<Record<string, ReadyCheck>> {
    const models = this.store?.list() ?? [];
    const f = this.follower;
    const maxLag = Math.max(10_000, 5 * this.config.chain.pollIntervalMs);
    return {
      started: { ok: this.started && !this.isStopping() },
      models: {
        ok: models.length > 0 && models.every((m) => m.state === 'ready'),
        detail: models.map((m) => ({ contentRoot: m.contentRoot, state: m.state, problems: m.verification?.problems ?? [], error: m.error })),
      },
      chain: {
        ok: f?.lastPollOk !== undefined && Date.now() - f.lastPollOk < maxLag,
        detail: { height: f?.chainHeight ?? 0, cursor: f?.cursor ?? 0, lastError: f?.lastError, reconcileError: f?.reconcileError },
      },
      executor: { ok: this.executor.registered && this.executor.sidecarMatches && this.executor.active, detail: this.executor },
    };
  }

  /** Graceful and idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.log.info('stopping');
    const step = async (what: string, fn: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, `stop: ${what} failed`);
      }
    };
    await step('follower', () => this.follower?.stop());
    await step('job processor', () => this.processor?.stop());
    await step('verifier duty', () => this.duty?.stop());
    await step('training duty', () => this.training?.stop());
    await step('training verifier duty', () => this.trainingVerifier?.stop());
    await step('possession duty', () => this.possession?.stop());
    await step('api', () => this.api?.close());
    await step('models', () => this.store?.close());
    await step('chain', () => this.chain?.disconnect());
    await step('database', () => (this.db?.status === 'open' ? this.db.close() : undefined));
    this.log.info('stopped');
  }
}
