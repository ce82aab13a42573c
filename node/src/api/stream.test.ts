import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseParser, signStreamAuth, streamAuthHeaders, streamKeyFromMnemonic, type StreamKey } from '@inferchain/sdk';
import { SidecarMetrics } from '../daemon/metrics.js';
import { JobProcessor } from '../jobs/processor.js';
import { JobQueue } from '../jobs/queue.js';
import { FakeChain, FakeGenerator, FakeSubmitter, spec, VALIDATOR } from '../jobs/testing.js';
import { buildApi } from './server.js';
import { TokenHub } from './token-hub.js';

const CHAIN = 'inferchain-test-1';
// Public test mnemonics (BIP-39 test vectors): never hold value.
const REQUESTER_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const OTHER_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

let dir: string;
let db: Level<string, unknown>;
let queue: JobQueue;
let hub: TokenHub;
let app: Awaited<ReturnType<typeof buildApi>>;
let requester: StreamKey;
let other: StreamKey;
const grants = new Set<string>();

const now = () => Math.floor(Date.now() / 1000);
const headersFor = async (key: StreamKey, job: string, expires = now() + 60) => streamAuthHeaders(await signStreamAuth(key, CHAIN, job, expires));
const events = (body: string) => new SseParser().push(body).map((m) => ({ event: m.event, data: JSON.parse(m.data) as Record<string, unknown> }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-stream-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
  queue = new JobQueue(db);
  hub = new TokenHub();
  requester = await streamKeyFromMnemonic(REQUESTER_MNEMONIC);
  other = await streamKeyFromMnemonic(OTHER_MNEMONIC);
  app = await buildApi({
    queue,
    models: { list: () => [] },
    metrics: new SidecarMetrics(() => queue.countByState()).registry,
    readiness: async () => ({}),
    log: pino({ level: 'silent' }),
    version: 'test',
    streams: { hub, chainId: CHAIN, isRequestGrantee: async (granter, grantee) => grants.has(`${granter}>${grantee}`) },
  });
  for (const id of [1, 2, 3, 4]) await queue.receive(spec(id, { requester: requester.address, prompt: 'hey!' }));
});

afterAll(async () => {
  await app.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /v1/jobs/:id/stream: authentication', () => {
  it('401 without a signature, with a bad one, an expired one, one for another job or too far ahead', async () => {
    const url = '/v1/jobs/1/stream';
    expect((await app.inject({ url })).statusCode).toBe(401);
    const good = await headersFor(requester, '1');
    const flipped = Buffer.from(good['x-inferchain-signature']!, 'base64');
    flipped[5] ^= 1;
    expect((await app.inject({ url, headers: { ...good, 'x-inferchain-signature': flipped.toString('base64') } })).statusCode).toBe(401);
    expect((await app.inject({ url, headers: await headersFor(requester, '1', now() - 1) })).statusCode).toBe(401);
    expect((await app.inject({ url, headers: await headersFor(requester, '1', now() + 3600) })).statusCode).toBe(401);
    const forJob2 = await headersFor(requester, '2');
    const res = await app.inject({ url, headers: forJob2 }); // replayed for job 1: the signed bytes name job 2
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/bad_signature/);
  });

  it("403 for a valid signature by someone who is not the job's requester, unless the requester granted it MsgRequestInference", async () => {
    const res = await app.inject({ url: '/v1/jobs/1/stream', headers: await headersFor(other, '1') });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain(requester.address);
    grants.add(`${requester.address}>${other.address}`);
    try {
      hub.begin('1').onToken?.({ step: 0, id: 7, text: 'x' });
      hub.end('1', { promptTokenIds: [1, 2], tokenIds: [7], text: 'x', finishReason: 'eos', steps: [[{ id: 7, logit: 1 }]], commitment: 'c1', runtime: { executionProvider: 'cpu', threads: 1, prefillMs: 1, decodeMs: 1, promptTokens: 2, engine: 'fake' } });
      expect((await app.inject({ url: '/v1/jobs/1/stream', headers: await headersFor(other, '1') })).statusCode).toBe(200);
    } finally {
      grants.clear();
    }
  });

  it('404 for a job this sidecar does not know, 400 for a bad id', async () => {
    expect((await app.inject({ url: '/v1/jobs/99/stream', headers: await headersFor(requester, '99') })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/jobs/x/stream' })).statusCode).toBe(400);
  });
});

describe('GET /v1/jobs/:id/stream: tokens from the processor, replay for late subscribers', () => {
  it('a subscriber that arrives before generation gets every token live, then end with count, prompt tokens and commitment', async () => {
    const headers = await headersFor(requester, '2');
    const pending = app.inject({ url: '/v1/jobs/2/stream', headers });
    await new Promise((r) => setTimeout(r, 50)); // subscribed and waiting for the generation to begin
    const processor = new JobProcessor({ queue, chain: chainFor('2'), generator: new FakeGenerator(new Set(['a'.repeat(64)])), submitter: new FakeSubmitter(), validator: VALIDATOR, log: pino({ level: 'silent' }), idleMs: 10, streams: hub });
    await processor.advance((await queue.get('2'))!);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const ev = events(res.body);
    expect(ev.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe('hey!');
    expect(ev.at(-1)).toEqual({ event: 'end', data: { tokens: 4, promptTokens: 3, commitment: 'c-2-42', finishReason: 'length' } });
  });

  it('a subscriber that arrives after the end gets the buffered tokens replayed', async () => {
    const res = await app.inject({ url: '/v1/jobs/2/stream', headers: await headersFor(requester, '2') });
    const ev = events(res.body);
    expect(ev.map((e) => e.event)).toEqual(['token', 'token', 'token', 'token', 'end']);
    expect(ev.map((e) => e.data.step).slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('after a restart (no live stream, output stored) the stored output comes as one replay event', async () => {
    const fresh = new TokenHub();
    const restarted = await buildApi({ queue, models: { list: () => [] }, metrics: new SidecarMetrics(() => queue.countByState()).registry, readiness: async () => ({}), log: pino({ level: 'silent' }), version: 'test', streams: { hub: fresh, chainId: CHAIN } });
    try {
      const ev = events((await restarted.inject({ url: '/v1/jobs/2/stream', headers: await headersFor(requester, '2') })).body);
      expect(ev.map((e) => e.event)).toEqual(['replay', 'end']);
      expect(ev[0]!.data).toEqual({ tokenIds: [104, 101, 121, 33], text: 'hey!' });
    } finally {
      await restarted.close();
    }
  });

  it('a queued job rejected before it generates ends a waiting stream with an error (not keepalives forever)', async () => {
    const pending = app.inject({ url: '/v1/jobs/4/stream', headers: await headersFor(requester, '4') });
    await new Promise((r) => setTimeout(r, 50)); // subscribed, waiting for the generation to begin
    await queue.transition('4', 'rejecting', { rejection: 'overloaded: test', note: 'test' });
    const ev = events((await pending).body);
    expect(ev.map((e) => e.event)).toEqual(['error']);
    expect(ev[0]!.data.message).toMatch(/job 4 is rejecting here without having generated/);
  });

  it('a failed generation ends the stream with an error event', async () => {
    const headers = await headersFor(requester, '3');
    const pending = app.inject({ url: '/v1/jobs/3/stream', headers });
    await new Promise((r) => setTimeout(r, 50));
    hub.begin('3').onToken?.({ step: 0, id: 1, text: 'a' });
    hub.fail('3', 'generation failed: boom');
    const ev = events((await pending).body);
    expect(ev.map((e) => e.event)).toEqual(['token', 'error']);
    expect(ev[1]!.data.message).toMatch(/boom/);
  });
});

describe('TokenHub', () => {
  it('bounds the replay buffer: a late joiner of an overflowed stream gets an error, not a gap', () => {
    const small = new TokenHub({ maxTokensPerJob: 2 });
    const hooks = small.begin('9');
    for (let i = 0; i < 3; i++) hooks.onToken?.({ step: i, id: i, text: String(i) });
    const seen: string[] = [];
    small.subscribe('9', (e) => seen.push(e.kind));
    expect(seen).toEqual(['error']);
  });

  it('drops a waiting stream when its last subscriber leaves before generation begins', () => {
    const h = new TokenHub();
    const off = h.subscribe('5', () => undefined, { waitForBegin: true });
    expect(h.subscribe('5', () => undefined)).toBeDefined();
    off?.();
    expect(h.has('5')).toBe(false);
  });

  it('forgets finished streams after retainMs', async () => {
    const h = new TokenHub({ retainMs: 1 });
    h.begin('6');
    h.fail('6', 'x');
    await new Promise((r) => setTimeout(r, 5));
    expect(h.has('6')).toBe(false);
  });
});

function chainFor(id: string): FakeChain {
  const c = new FakeChain();
  c.jobs.set(id, { id, status: 'pending', executor: VALIDATOR, attempt: 1, deadlineHeight: 100 });
  return c;
}
