/**
 * The models this sidecar serves: each configured directory is verified (verify.ts) and only then loaded
 * into the engine. A model that fails stays listed with its problems (for /v1/models and /readyz) and is
 * never used.
 */
import type { Logger } from 'pino';
import type { ModelRegistry } from './registry.js';
import type { EngineConfig } from '../engine/config.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { verifyModelDir, type ModelVerification } from './verify.js';
import { digestArtifact, type ArtifactDigest, type HeldArtifact } from '@inferchain/sdk';
import { join } from 'node:path';

/** One entry of config `models` (parsed in config/config.ts). */
export interface ServedModel {
  /** 64-hex content root as registered on chain. */
  contentRoot: string;
  /** Directory of the imported model (config.json, model.onnx, tokenizer.json). */
  dir: string;
}

export type ModelState = 'verifying' | 'loading' | 'ready' | 'refused' | 'load_failed';

export interface ModelStatus {
  contentRoot: string;
  dir: string;
  state: ModelState;
  name?: string;
  version?: string;
  provider?: string;
  verification?: ModelVerification;
  error?: string;
}

export interface ModelStoreOptions {
  models: ServedModel[];
  registry?: ModelRegistry;
  engine: EngineConfig;
  log: Logger;
  /** Replaceable for tests. */
  load?: (dir: string) => Promise<LoadedModel>;
}

export class ModelStore {
  private readonly status = new Map<string, ModelStatus>();
  private readonly loaded = new Map<string, LoadedModel>();
  /** Models whose bytes matched the registry: what /v1/artifacts serves. */
  private readonly verified = new Map<string, HeldArtifact>();

  constructor(private readonly o: ModelStoreOptions) {
    for (const m of o.models) this.status.set(m.contentRoot, { contentRoot: m.contentRoot, dir: m.dir, state: 'verifying' });
  }

  /** Verifies and loads every configured model (sequentially: hashing and loading are CPU-bound). */
  async loadAll(registry: ModelRegistry | undefined = this.o.registry): Promise<void> {
    for (const m of this.o.models) await this.loadOne(m, registry);
  }

  private async loadOne(m: ServedModel, registry: ModelRegistry | undefined): Promise<void> {
    const log = this.o.log.child({ model: m.contentRoot, dir: m.dir });
    const st = this.status.get(m.contentRoot)!;
    let local: ArtifactDigest | undefined;
    const digest = async (dir: string): Promise<ArtifactDigest> => (local = await digestArtifact(dir));
    const v = await verifyModelDir(m, registry ? { registry, digest } : { digest });
    st.verification = v;
    if (v.registry) Object.assign(st, { name: v.registry.name, version: v.registry.version });
    if (!v.ok) {
      st.state = 'refused';
      for (const p of v.problems) log.error({ problem: p }, `model refused: ${p}`);
      return;
    }
    log.info({ name: st.name, version: st.version }, 'model bytes verified against the registry');
    if (local) {
      const files = local.files.map((f) => ({ ...f, file: join(m.dir, ...f.path.split('/')) }));
      this.verified.set(m.contentRoot, { contentRoot: m.contentRoot, kind: 'model', ...(st.name ? { name: st.name } : {}), ...(st.version ? { version: st.version } : {}), files });
    }
    st.state = 'loading';
    try {
      const model = await (this.o.load ?? ((dir) => loadModel(dir, { executionProviders: this.o.engine.executionProviders, threads: this.o.engine.threads, logger: log })))(m.dir);
      this.loaded.set(m.contentRoot, model);
      st.state = 'ready';
      st.provider = model.provider;
      st.name ??= model.config.name;
      log.info({ provider: model.provider }, 'model loaded');
    } catch (e) {
      st.state = 'load_failed';
      st.error = (e as Error).message;
      log.error({ err: st.error }, 'model failed to load');
    }
  }

  get(contentRoot: string): LoadedModel | undefined {
    return this.loaded.get(contentRoot);
  }

  /** Models whose bytes on disk matched the registry (served under /v1/artifacts even if the engine failed to load them). */
  held(): HeldArtifact[] {
    return [...this.verified.values()];
  }

  list(): ModelStatus[] {
    return [...this.status.values()].map((s) => ({ ...s }));
  }

  /** Every configured model is ready. */
  allReady(): boolean {
    return [...this.status.values()].every((s) => s.state === 'ready');
  }

  async close(): Promise<void> {
    for (const m of this.loaded.values()) await m.release().catch(() => undefined);
    this.loaded.clear();
  }
}
