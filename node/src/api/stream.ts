/**
 * GET /v1/jobs/:id/stream: the job's tokens as server-sent events while this executor generates them, for the
 * requester only (sdk stream-auth.ts: a secp256k1 signature over chain id, job id and expiry, by the key of the
 * job's requester on chain; the local queue's record of the job came from the chain).
 *
 * Events: `token` {step, id, text} per generated token (replayed from the start for a late subscriber), then
 * `end` {tokens, promptTokens, commitment, finishReason}, or `error` {message}. When the job was generated before this
 * process started (no live stream), `replay` {tokenIds, text} carries the stored output, then `end`.
 */
import type { FastifyInstance } from 'fastify';
import { sseComment, sseEvent, verifyStreamAuth } from '@inferchain/sdk';
import type { JobQueue } from '../jobs/queue.js';
import type { StreamEvent, TokenHub } from './token-hub.js';

export interface StreamDeps {
  queue: JobQueue;
  hub: TokenHub;
  chainId: string;
  /** Comment lines at this period keep idle connections open. Default 15 s. */
  keepaliveMs?: number;
  /**
   * How often a subscriber waiting for a queued job's generation re-reads the job's state. A job can leave the
   * queue without ever generating (rejected as overloaded, expired, failed): the stream then ends with an error
   * instead of hanging on keepalives. Default 1 s.
   */
  stateCheckMs?: number;
  /**
   * Whether `grantee` holds an unexpired authz grant from `granter` for MsgRequestInference (an agent wallet
   * requesting for its granter may read the stream too). Undefined: only the requester.
   */
  isRequestGrantee?: (granter: string, grantee: string) => Promise<boolean>;
}

const FAILED_STATES = new Set(['failed', 'expired', 'rejecting', 'rejected']);

export function registerStreamRoute(app: FastifyInstance, d: StreamDeps): void {
  app.get<{ Params: { id: string } }>('/v1/jobs/:id/stream', async (req, reply) => {
    const { id } = req.params;
    if (!/^\d{1,20}$/.test(id) || BigInt(id) > 0xffffffffffffffffn) return reply.code(400).send({ error: 'bad_request', message: 'id must be a uint64 in decimal' });
    const rec = await d.queue.get(id);
    if (!rec) return reply.code(404).send({ error: 'not_found', message: `job ${id} is not known to this sidecar (not assigned here, or not seen yet: retry shortly)` });
    const auth = await verifyStreamAuth(req.headers, { chainId: d.chainId, jobId: id, requester: rec.requester });
    const delegated = !auth.ok && auth.reason === 'not_requester' && d.isRequestGrantee ? await d.isRequestGrantee(rec.requester, auth.signer).catch(() => false) : false;
    if (!auth.ok && !delegated) {
      const message =
        auth.reason === 'not_requester'
          ? `the signature is valid but not by the job's requester ${rec.requester} (nor by a key it granted MsgRequestInference to)`
          : `stream authentication failed (${auth.reason}): sign "inferchain-stream/v1\\n<chain-id>\\n<job-id>\\n<expires>" with the requester's key`;
      return reply.code(auth.status).send({ error: auth.status === 401 ? 'unauthorized' : 'forbidden', message });
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.flushHeaders();
    let closed = false;
    let unsubscribe: (() => void) | undefined;
    let watch: ReturnType<typeof setInterval> | undefined;
    const keepalive = setInterval(() => raw.write(sseComment('keepalive')), d.keepaliveMs ?? 15_000);
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      clearInterval(watch);
      unsubscribe?.();
      raw.end();
    };
    req.raw.on('close', close);

    const send = (e: StreamEvent): void => {
      if (closed) return;
      if (e.kind === 'token') raw.write(sseEvent(e.token, 'token'));
      else if (e.kind === 'end') {
        raw.write(sseEvent(e.end, 'end'));
        close();
      } else {
        raw.write(sseEvent({ message: e.message }, 'error'));
        close();
      }
    };

    if (!d.hub.has(id) && rec.output) {
      // Generated before this process started: the stored output, in one event.
      const o = rec.output;
      raw.write(sseEvent({ tokenIds: o.tokenIds, text: o.text }, 'replay'));
      send({ kind: 'end', end: { tokens: o.tokenIds.length, promptTokens: o.promptTokenIds.length, commitment: o.commitment, finishReason: o.finishReason } });
      return;
    }
    if (!d.hub.has(id) && FAILED_STATES.has(rec.state)) {
      send({ kind: 'error', message: `job ${id} is ${rec.state} here${rec.reason ? `: ${rec.reason}` : ''}` });
      return;
    }
    unsubscribe = d.hub.subscribe(id, send, { waitForBegin: true });
    if (!d.hub.has(id)) {
      // Queued: the hub only hears of jobs that begin generating; one rejected or expired first ends here.
      watch = setInterval(() => {
        void d.queue
          .get(id)
          .then((r) => {
            if (r && !d.hub.has(id) && FAILED_STATES.has(r.state)) send({ kind: 'error', message: `job ${id} is ${r.state} here without having generated${r.reason ? `: ${r.reason}` : ''}` });
            else if (d.hub.has(id)) clearInterval(watch);
          })
          .catch(() => undefined);
      }, d.stateCheckMs ?? 1000);
    }
  });
}

export function streamOpenApiPaths(): Record<string, unknown> {
  const header = (name: string, description: string): Record<string, unknown> => ({ name, in: 'header', required: true, schema: { type: 'string' }, description });
  const error = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
  return {
    '/v1/jobs/{id}/stream': {
      get: {
        summary: "The job's tokens as server-sent events while they are generated (requester only)",
        description:
          'Events: `token` {step, id, text} (replayed from the first token for a late subscriber), then `end` {tokens, promptTokens, commitment, finishReason} or `error` {message}; ' +
          '`replay` {tokenIds, text} replaces the token events when the output was generated before the sidecar restarted. ' +
          'Authentication: a secp256k1 signature (r||s, base64) over sha256("inferchain-stream/v1\\n<chain-id>\\n<job-id>\\n<expires>") by the key whose address is the job\'s requester on chain; expires is unix seconds, at most 15 minutes ahead. ' +
          'The chain result stays the source of truth: compare its output_token_ids with the streamed ids.',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
          header('x-inferchain-pubkey', 'base64 compressed secp256k1 public key of the requester'),
          header('x-inferchain-signature', 'base64 64-byte r||s signature'),
          header('x-inferchain-expires', 'unix seconds'),
        ],
        responses: {
          '200': { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '400': { description: 'bad id', content: { 'application/json': { schema: error } } },
          '401': { description: 'missing, malformed, bad or expired signature', content: { 'application/json': { schema: error } } },
          '403': { description: "valid signature, but not by the job's requester", content: { 'application/json': { schema: error } } },
          '404': { description: 'job not known to this sidecar', content: { 'application/json': { schema: error } } },
        },
      },
    },
  };
}
