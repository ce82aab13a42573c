/**
 * `/v1/artifacts`: the registered artifacts this sidecar holds, by content root (models from the model store
 * once their bytes are verified against the registry; datasets when configured). The manifest is JSON; a leaf
 * range is the binary frame of sdk/src/artifacts/FRAMING.md, so any sidecar or `inferchain fetch` can pull and
 * check the bytes against the chain, and a possession challenge can be answered from the same code.
 */
import type { FastifyInstance } from 'fastify';
import { ArtifactHoldings, FRAME_CONTENT_TYPE, HeldBytesError, InferchainError, NotFoundError, isDigest, parseLeafRange } from '@inferchain/sdk';

export function registerArtifactRoutes(app: FastifyInstance, holdings: ArtifactHoldings): void {
  app.get<{ Params: { root: string } }>('/v1/artifacts/:root', async (req, reply) => {
    const { root } = req.params;
    if (!isDigest(root)) return reply.code(400).send({ error: 'bad_request', message: `"${root}" is not a 64-hex content root (lowercase)` });
    const m = holdings.manifest(root);
    if (!m) return reply.code(404).send({ error: 'not_found', message: `artifact ${root} is not held by this sidecar` });
    return m;
  });

  app.get<{ Params: { root: string; '*': string }; Querystring: { leaf?: string } }>('/v1/artifacts/:root/*', async (req, reply) => {
    const { root } = req.params;
    const path = req.params['*'];
    if (!isDigest(root)) return reply.code(400).send({ error: 'bad_request', message: `"${root}" is not a 64-hex content root (lowercase)` });
    const m = holdings.manifest(root);
    if (!m) return reply.code(404).send({ error: 'not_found', message: `artifact ${root} is not held by this sidecar` });
    const file = m.files.find((f) => f.path === path);
    if (!file) return reply.code(404).send({ error: 'not_found', message: `artifact ${root} has no file "${path}"` });
    if (req.query.leaf === undefined) return reply.code(400).send({ error: 'bad_request', message: `leaf=i..j is required (inclusive, at most ${holdings.maxRangeLeaves} leaves; the file has ${file.leafCount})` });
    try {
      const { first, count } = parseLeafRange(req.query.leaf, file.leafCount, holdings.maxRangeLeaves);
      const frame = await holdings.frame(root, path, first, count);
      return reply.type(FRAME_CONTENT_TYPE).header('cache-control', 'public, max-age=31536000, immutable').send(frame);
    } catch (e) {
      if (e instanceof HeldBytesError) {
        req.log.error({ root, path, err: e.message }, 'held artifact bytes no longer match the registry; not serving them');
        return reply.code(503).send({ error: 'held_bytes_changed', message: e.message });
      }
      if (e instanceof NotFoundError) return reply.code(404).send({ error: 'not_found', message: e.message });
      if (e instanceof InferchainError && e.code === 'invalid_argument') return reply.code(400).send({ error: 'bad_request', message: e.message });
      throw e;
    }
  });
}

export function artifactOpenApiPaths(): Record<string, unknown> {
  const error = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
  const root = { name: 'root', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' }, description: 'content root of a registered model or dataset' };
  const manifest = {
    type: 'object',
    required: ['contentRoot', 'kind', 'leafSize', 'maxRangeLeaves', 'totalBytes', 'files'],
    properties: {
      contentRoot: { type: 'string' },
      kind: { type: 'string', enum: ['model', 'dataset'] },
      name: { type: 'string' },
      version: { type: 'string' },
      leafSize: { type: 'integer', const: 4096 },
      maxRangeLeaves: { type: 'integer', description: 'most leaves one range request may ask for' },
      totalBytes: { type: 'integer' },
      files: {
        type: 'array',
        description: 'sorted by UTF-8 path; index is the file leaf index in the artifact tree',
        items: {
          type: 'object',
          required: ['index', 'path', 'size', 'root', 'leafCount'],
          properties: { index: { type: 'integer' }, path: { type: 'string' }, size: { type: 'integer' }, root: { type: 'string' }, leafCount: { type: 'integer' } },
        },
      },
    },
  };
  return {
    '/v1/artifacts/{root}': {
      get: {
        summary: 'Manifest of a held artifact (files with path, size, root, leaf count)',
        parameters: [root],
        responses: {
          '200': { description: 'held', content: { 'application/json': { schema: manifest } } },
          '400': { description: 'malformed root', content: { 'application/json': { schema: error } } },
          '404': { description: 'not held by this sidecar', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/v1/artifacts/{root}/{path}': {
      get: {
        summary: 'A range of 4 KiB leaves of one file with their proofs (binary frame, see sdk/src/artifacts/FRAMING.md)',
        parameters: [
          root,
          { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: "the file's path in the artifact ('/'-separated, each segment URL-encoded)" },
          { name: 'leaf', in: 'query', required: true, schema: { type: 'string', pattern: '^[0-9]+\\.\\.[0-9]+$' }, description: 'inclusive leaf range i..j, at most maxRangeLeaves leaves' },
        ],
        responses: {
          '200': { description: 'frame: header, file audit path, range proof, leaf bytes', content: { [FRAME_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } } },
          '400': { description: 'malformed root or range, range outside the file or over the bound', content: { 'application/json': { schema: error } } },
          '404': { description: 'artifact not held, or no such file in it', content: { 'application/json': { schema: error } } },
          '503': { description: 'the bytes on disk no longer match the registered root (not served)', content: { 'application/json': { schema: error } } },
        },
      },
    },
  };
}
