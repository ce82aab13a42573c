/** Hand-written OpenAPI 3 document of the sidecar API (served at /openapi.json). */
export function openApiDocument(version: string): Record<string, unknown> {
  const topEntry = { type: 'object', required: ['id', 'logit'], properties: { id: { type: 'integer', minimum: 0 }, logit: { type: 'number', description: 'float32 value' } } };
  const error = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
  const jobState = { type: 'string', enum: ['received', 'generating', 'generated', 'submitting', 'submitted', 'confirmed', 'rejecting', 'rejected', 'expired', 'failed'] };
  const job = {
    type: 'object',
    required: ['id', 'state', 'model', 'attempt', 'deadlineHeight'],
    properties: {
      id: { type: 'string', description: 'uint64 job id (decimal)' },
      state: jobState,
      model: { type: 'string', description: 'content root' },
      requester: { type: 'string' },
      prompt: { type: 'string' },
      maxTokens: { type: 'integer' },
      temperatureMilli: { type: 'integer' },
      topK: { type: 'integer' },
      seed: { type: 'string', description: 'uint64 (decimal)' },
      attempt: { type: 'integer' },
      deadlineHeight: { type: 'integer' },
      reason: { type: 'string', description: 'why the job expired/failed/rejected, or the last transient problem' },
      rejection: { type: 'string', description: 'the MsgRejectJob reason ("<code>: <explanation>", e.g. prompt_too_long: ...), from state rejecting on' },
      txHash: { type: 'string' },
      submitAttempts: { type: 'integer' },
      receivedAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      history: { type: 'array', items: { type: 'object', properties: { state: jobState, at: { type: 'string', format: 'date-time' }, note: { type: 'string' } } } },
      output: {
        type: 'object',
        description: 'present from state generated on',
        properties: {
          text: { type: 'string' },
          tokenIds: { type: 'array', items: { type: 'integer' } },
          promptTokenIds: { type: 'array', items: { type: 'integer' }, description: 'the exact prompt the model saw (chat template applied)' },
          finishReason: { type: 'string', enum: ['eos', 'length'] },
          commitment: { type: 'string', description: 'hex Merkle root over steps (see node/src/commitment/COMMITMENT.md)' },
          runtime: { type: 'object', additionalProperties: true },
          steps: {
            type: 'array',
            description: 'per-step top-k records; steps[i] chose tokenIds[i]',
            items: { type: 'object', required: ['step', 'topk'], properties: { step: { type: 'integer' }, topk: { type: 'array', items: topEntry } } },
          },
        },
      },
    },
  };
  const json = (schema: unknown): Record<string, unknown> => ({ 'application/json': { schema } });
  return {
    openapi: '3.0.3',
    info: { title: 'inferchain-node sidecar API', version, description: 'Validator sidecar: job state, results and commitment data for verifiers.' },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'the process is up', content: json({ type: 'object', properties: { status: { type: 'string' } } }) } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: every configured model verified and loaded, chain followed, executor registered with our sidecar',
          responses: { '200': { description: 'ready', content: json({ type: 'object' }) }, '503': { description: 'not ready; `checks` says why', content: json({ type: 'object' }) } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3 document', content: json({ type: 'object' }) } } } },
      '/v1/models': {
        get: {
          summary: 'Configured models, their verification and load state',
          responses: { '200': { description: 'models', content: json({ type: 'object', properties: { models: { type: 'array', items: { type: 'object' } } } }) } },
        },
      },
      '/v1/jobs': {
        get: {
          summary: 'Jobs in the local queue (newest first, without step data)',
          parameters: [
            { name: 'state', in: 'query', schema: jobState },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { '200': { description: 'jobs', content: json({ type: 'object', properties: { jobs: { type: 'array', items: job } } }) }, '400': { description: 'bad query', content: json(error) } },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary: 'One job: state, output, commitment and the per-step top-k data verifiers recompute it from',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } }],
          responses: { '200': { description: 'the job', content: json(job) }, '400': { description: 'bad id', content: json(error) }, '404': { description: 'unknown job', content: json(error) } },
        },
      },
    },
  };
}
