/**
 * Builds the training duty of a sidecar from its parts (daemon/daemon.ts calls this when training.enabled):
 * inputs from the model store and the datasets dir, the chain client and signer, and the follower handler
 * whose reconciliation (Query/TrainingJobs) records the PENDING jobs assigned to us.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { digestArtifact, signStreamAuth, streamAuthHeaders, type PeerPolicy, type StreamKey, type TrainingJob } from '@inferchain/sdk';
import type { Level } from 'level';
import type { Logger } from 'pino';
import type { ChainEventHandler } from '../chain/follower.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelRegistry } from '../store/registry.js';
import { auditChainOf, ChainTrainingSubmitter, ChainTrainingVerdictSubmitter, TrainingChainClient, trainingAuditView, trainingSpec, type Broadcaster } from './chain.js';
import { storeCheckpointSource, type CheckpointSource } from './checkpoints.js';
import { httpCheckpointFetcher, ReplayChecker } from './verify-check.js';
import { TrainingVerifierDuty } from './verify-duty.js';
import { TrainingVerifyStore } from './verify-store.js';
import type { TrainingConfig } from './config.js';
import { TrainingDuty, trainingArtifactsCacheDir, type TrainingInputs } from './duty.js';
import { TrainingStore } from './store.js';
import { train } from './train.js';
import { TrainerError } from './worker.js';

export class DatasetUnavailableError extends Error {
  override name = 'DatasetUnavailableError';
}

/** Dataset bytes at <datasetsDir>/<root>/, verified against the content root before use. */
export function datasetsDirInputs(datasetsDir: string, models: ModelStore): TrainingInputs {
  return {
    baseDir: (root) => models.list().find((m) => m.contentRoot === root && m.state === 'ready')?.dir,
    datasetFiles: async (root) => {
      const dir = join(datasetsDir, root);
      let d;
      try {
        d = await digestArtifact(dir);
      } catch (e) {
        throw new DatasetUnavailableError(`dataset ${root} is not in ${datasetsDir} (${(e as Error).message})`);
      }
      if (d.contentRoot !== root) throw new DatasetUnavailableError(`${dir} hashes to ${d.contentRoot}, not to the dataset's content root ${root}: refusing to train on it`);
      return d.files.map((f) => join(dir, f.path));
    },
  };
}

export interface TrainingParts {
  config: TrainingConfig;
  db: Level<string, unknown>;
  comet: ConstructorParameters<typeof TrainingChainClient>[0];
  broadcaster: Broadcaster;
  models: ModelStore;
  registry: ModelRegistry;
  validator: string;
  /** The chain id (signed into training-state requests) and the raw key of the validator account that signs them. */
  chainId: string;
  requestKey: StreamKey;
  log: Logger;
  /** The registered API endpoint of an executor (x/inference), where its checkpoints are served. */
  executorEndpoint: (validator: string) => Promise<string | undefined>;
  /** The account an executor's sidecar signs with (x/inference Executor.sidecar): a committee member's state requests. */
  executorSidecar: (validator: string) => Promise<string | undefined>;
  /** Which executor endpoints the replay verifier may fetch from (config verify.allowLoopbackPeers / allowPrivatePeers). */
  peerPolicy?: PeerPolicy;
  /** Test-only fault (faults.training.forgeCheckpoint). */
  forgeCheckpoint?: boolean;
}

export interface WiredTraining {
  duty: TrainingDuty;
  verifier: TrainingVerifierDuty;
  handler: ChainEventHandler;
  store: TrainingStore;
  verifyStore: TrainingVerifyStore;
  /** What the API serves to audit committees (routes in checkpoints.ts). */
  checkpoints: CheckpointSource;
}

export function wireTraining(p: TrainingParts): WiredTraining {
  const store = new TrainingStore(p.db);
  const chain = new TrainingChainClient(p.comet);
  const log = p.log.child({ component: 'training' });
  const duty = new TrainingDuty({
    store,
    chain,
    submitter: new ChainTrainingSubmitter(p.broadcaster),
    inputs: datasetsDirInputs(p.config.datasetsDir, p.models),
    validator: p.validator,
    dir: p.config.dir,
    threads: p.config.threads,
    log,
    train: (job) => train({ ...job, ...(p.config.python ? { python: p.config.python } : {}) }),
    ...(p.forgeCheckpoint ? { forgeCheckpoint: true } : {}),
    // The child is on chain and listed for our executor: move it under models/<root> and serve it.
    onChild: async (root, staged) => {
      const dir = join(p.config.dir, 'models', root);
      await mkdir(join(p.config.dir, 'models'), { recursive: true });
      await rename(staged, dir).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e; // already moved by an earlier (interrupted) hand-over
      });
      const st = await p.models.add({ contentRoot: root, dir }, p.registry);
      log.info({ child: root, state: st.state }, 'serving the trained child model');
      await rm(join(staged, '..', 'artifacts'), { recursive: true, force: true });
    },
  });
  // Replay audits we sit on (committee member): the executor's checkpoints over HTTP, replayed here.
  const inputs = datasetsDirInputs(p.config.datasetsDir, p.models);
  const verifyStore = new TrainingVerifyStore(p.db);
  const verifier = new TrainingVerifierDuty({
    store: verifyStore,
    chain: auditChainOf(chain, chain.q),
    checker: new ReplayChecker({
      fetcher: httpCheckpointFetcher(p.executorEndpoint, {
        ...(p.peerPolicy ? { policy: p.peerPolicy } : {}),
        signState: async (jobId) => streamAuthHeaders(await signStreamAuth(p.requestKey, p.chainId, jobId, Math.floor(Date.now() / 1000) + 300, 'training-state')),
      }),
      inputs,
      workDir: join(p.config.dir, 'audits'),
      artifactsCacheDir: trainingArtifactsCacheDir(p.config.dir),
      threads: p.config.threads,
      ...(p.config.python ? { python: p.config.python } : {}),
    }),
    submitter: new ChainTrainingVerdictSubmitter(p.broadcaster),
    validator: p.validator,
    log: log.child({ duty: 'training-verifier' }),
  });
  // a job of a method this sidecar does not know (a newer chain) is skipped with a warning, not trained as another
  // method and not allowed to stall reconciliation of the others
  const specOrSkip = <T>(j: TrainingJob, f: (j: TrainingJob) => T): T | undefined => {
    try {
      return f(j);
    } catch (e) {
      if (!(e instanceof TrainerError)) throw e;
      log.warn({ job: j.id.toString(), err: e.message }, 'training job skipped');
      return undefined;
    }
  };
  const handler: ChainEventHandler = {
    onBlockEvents: async () => undefined, // x/training events are not decoded by the follower: reconciliation finds our jobs
    reconcile: async () => {
      let seats = false;
      for (const j of await chain.auditsFor(p.validator)) {
        const v = specOrSkip(j, trainingAuditView);
        if (!v || v.outcome !== 'in_progress') continue;
        const { isNew } = await verifyStore.receive({ jobId: v.job.jobId, executor: v.job.executor, verifier: p.validator, interval: v.job.interval, commitDeadline: v.commitDeadline, revealDeadline: v.revealDeadline });
        if (isNew) {
          seats = true;
          log.info({ job: v.job.jobId, executor: v.job.executor, interval: v.job.interval, commitDeadline: v.commitDeadline }, 'training audit: we are on the committee');
        }
      }
      if (seats) verifier.kick();
      let fresh = false;
      for (const j of await chain.pendingFor(p.validator)) {
        const spec = specOrSkip(j, trainingSpec);
        if (!spec) continue;
        const { isNew } = await store.receive(spec);
        if (isNew) {
          fresh = true;
          log.info({ job: j.id.toString(), base: j.baseModel }, 'training job assigned to us');
        }
      }
      if (fresh) duty.kick();
    },
  };
  return { duty, verifier, handler, store, verifyStore, checkpoints: storeCheckpointSource(store, p.config.dir, { chainId: p.chainId, mayFetchState: (jobId, signer) => chain.mayFetchState(jobId, signer, p.executorSidecar) }) };
}
