/** HTTP API (fastify): health, readiness, metrics, jobs (with commitment data for verifiers), models. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { JobQueue } from '../jobs/queue.js';
import { JOB_STATES, type JobRecord, type JobState } from '../jobs/types.js';
import type { ModelStatus } from '../store/model-store.js';
import { openApiDocument } from './openapi.js';
import { auditOpenApiPaths, registerAuditRoutes, type AuditsView } from '../audits/api.js';
import { registerTrainingRoutes, type CheckpointSource } from '../training/checkpoints.js';
import { registerStreamRoute, streamOpenApiPaths } from './stream.js';
import type { TokenHub } from './token-hub.js';
import type { ArtifactHoldings } from '@inferchain/sdk';
import { artifactOpenApiPaths, registerArtifactRoutes } from './artifacts.js';

export interface ReadyCheck {
  ok: boolean;
  detail?: unknown;
}

export interface ApiDeps {
  queue: JobQueue;
  models: { list(): ModelStatus[] };
  metrics: Registry;
  /** Named readiness checks; the sidecar is ready when all pass. */
  readiness(): Promise<Record<string, ReadyCheck>>;
  log: Logger;
  version: string;
  /** Audit duties (verifier): adds /v1/audits and /v1/audits/:jobId. */
  audits?: AuditsView;
  /** Token streaming to requesters: adds /v1/jobs/:id/stream. */
  streams?: { hub: TokenHub; chainId: string; isRequestGrantee?: (granter: string, grantee: string) => Promise<boolean> };
  /** Artifacts held (verified model dirs, configured datasets): adds /v1/artifacts. */
  artifacts?: ArtifactHoldings;
  /** Training checkpoints for replay audits (filled once training is wired): adds /v1/training/... */
  trainingCheckpoints?: { current?: CheckpointSource };
}

/** Job as served: steps get their index spelled out so verifiers need no positional convention. */
export function jobView(rec: JobRecord, withSteps = true): Record<string, unknown> {
  const { output, ...rest } = rec;
  if (!output) return rest;
  const { steps, ...out } = output;
  return { ...rest, output: withSteps ? { ...out, steps: steps.map((topk, step) => ({ step, topk })) } : out };
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Request logs are info level: a warn-level child keeps /readyz polling out of the logs, errors stay in.
  const app: FastifyInstance = Fastify({ loggerInstance: deps.log.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(body);
  });

  app.get('/openapi.json', async () => {
    const doc = openApiDocument(deps.version);
    const paths = { ...(doc.paths as Record<string, unknown>), ...(deps.streams ? streamOpenApiPaths() : {}), ...(deps.audits ? auditOpenApiPaths() : {}), ...(deps.artifacts ? artifactOpenApiPaths() : {}) };
    return { ...doc, paths };
  });

  app.get('/v1/models', async () => ({ models: deps.models.list() }));

  app.get<{ Querystring: { state?: string; limit?: string } }>('/v1/jobs', async (req, reply) => {
    const { state, limit } = req.query;
    if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
      return reply.code(400).send({ error: 'bad_request', message: `state must be one of ${JOB_STATES.join(', ')}` });
    }
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return reply.code(400).send({ error: 'bad_request', message: 'limit must be an integer in [1, 1000]' });
    const all = await deps.queue.list(state ? { state: state as JobState } : {});
    return { jobs: all.reverse().slice(0, n).map((r) => jobView(r, false)) };
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (req, reply) => {
    const { id } = req.params;
    if (!/^\d{1,20}$/.test(id) || BigInt(id) > 0xffffffffffffffffn) return reply.code(400).send({ error: 'bad_request', message: 'id must be a uint64 in decimal' });
    const rec = await deps.queue.get(id);
    if (!rec) return reply.code(404).send({ error: 'not_found', message: `job ${id} is not known to this sidecar` });
    return jobView(rec);
  });

  if (deps.audits) registerAuditRoutes(app, deps.audits);
  if (deps.streams) registerStreamRoute(app, { queue: deps.queue, ...deps.streams });
  if (deps.artifacts) registerArtifactRoutes(app, deps.artifacts);
  if (deps.trainingCheckpoints) registerTrainingRoutes(app, deps.trainingCheckpoints);

  return app;
}
