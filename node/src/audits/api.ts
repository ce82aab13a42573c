/**
 * HTTP routes of the verifier duty: GET /v1/audits[?state=&limit=] and GET /v1/audits/:jobId.
 * The executor API is reachable by other committee members (they fetch /v1/jobs/:id from it), so nothing that
 * would let them copy our verdict is served before the duty ends: the salt never, the verdict, its reason and
 * the check numbers only once the duty is revealed, missed or failed.
 */
import type { FastifyInstance } from 'fastify';
import { DUTY_STATES, DUTY_TERMINAL, type AuditDutyRecord, type DutyState } from './types.js';

export interface AuditsView {
  get(jobId: string): Promise<AuditDutyRecord | undefined>;
  list(filter?: { state?: DutyState }): Promise<AuditDutyRecord[]>;
}

/** A duty as served (never the salt; the verdict only once the duty ended). */
export function auditView(rec: AuditDutyRecord): Record<string, unknown> {
  const { salt: _salt, verdict, verdictReason, check, history, ...rest } = rec;
  const ended = DUTY_TERMINAL.has(rec.state);
  return {
    ...rest,
    ...(ended ? { verdict, verdictReason, check } : { verdict: verdict ? 'hidden until revealed' : undefined }),
    // history notes carry the verdict too
    history: ended ? history : history.map((h) => ({ state: h.state, at: h.at })),
  };
}

export function registerAuditRoutes(app: FastifyInstance, audits: AuditsView): void {
  app.get<{ Querystring: { state?: string; limit?: string } }>('/v1/audits', async (req, reply) => {
    const { state, limit } = req.query;
    if (state !== undefined && !DUTY_STATES.includes(state as DutyState)) {
      return reply.code(400).send({ error: 'bad_request', message: `state must be one of ${DUTY_STATES.join(', ')}` });
    }
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return reply.code(400).send({ error: 'bad_request', message: 'limit must be an integer in [1, 1000]' });
    const all = await audits.list(state ? { state: state as DutyState } : {});
    return { audits: all.reverse().slice(0, n).map(auditView) };
  });

  app.get<{ Params: { jobId: string } }>('/v1/audits/:jobId', async (req, reply) => {
    const { jobId } = req.params;
    if (!/^\d{1,20}$/.test(jobId) || BigInt(jobId) > 0xffffffffffffffffn) return reply.code(400).send({ error: 'bad_request', message: 'jobId must be a uint64 in decimal' });
    const rec = await audits.get(jobId);
    if (!rec) return reply.code(404).send({ error: 'not_found', message: `this sidecar has no audit duty for job ${jobId}` });
    return auditView(rec);
  });
}

/** OpenAPI paths of these routes (merged into /openapi.json). */
export function auditOpenApiPaths(): Record<string, unknown> {
  const state = { type: 'string', enum: [...DUTY_STATES] };
  const error = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
  const audit = {
    type: 'object',
    required: ['jobId', 'state', 'model', 'executor', 'verifier', 'commitDeadline', 'revealDeadline'],
    properties: {
      jobId: { type: 'string' },
      state,
      model: { type: 'string' },
      executor: { type: 'string', description: 'the audited executor (infervaloper...)' },
      verifier: { type: 'string', description: 'our validator operator address' },
      commitDeadline: { type: 'integer' },
      revealDeadline: { type: 'integer' },
      decidedHeight: { type: 'integer' },
      verdict: { type: 'string', description: "valid | fraud once the duty ended; 'hidden until revealed' before" },
      verdictReason: { type: 'string' },
      commitHash: { type: 'string' },
      check: { type: 'object', description: 'steps, forwardMs, maxGap, minSamplingMargin, commitment, stepsSource (once ended)' },
      commitTx: { type: 'string' },
      revealTx: { type: 'string' },
      reason: { type: 'string', description: 'why the duty ended missed/failed, or the last transient problem' },
    },
  };
  const json = (schema: unknown): Record<string, unknown> => ({ 'application/json': { schema } });
  return {
    '/v1/audits': {
      get: {
        summary: 'Audit committee duties of this sidecar (newest first)',
        parameters: [
          { name: 'state', in: 'query', schema: state },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        ],
        responses: { '200': { description: 'duties', content: json({ type: 'object', properties: { audits: { type: 'array', items: audit } } }) }, '400': { description: 'bad query', content: json(error) } },
      },
    },
    '/v1/audits/{jobId}': {
      get: {
        summary: 'One audit duty: state, deadlines, commit/reveal transactions (verdict once ended)',
        parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } }],
        responses: { '200': { description: 'the duty', content: json(audit) }, '400': { description: 'bad id', content: json(error) }, '404': { description: 'no such duty', content: json(error) } },
      },
    },
  };
}
