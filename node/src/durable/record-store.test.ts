import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobKey, MAX_HISTORY, RecordStore, type StoredRecord } from './record-store.js';

const STATES = ['open', 'busy', 'done', 'dropped'] as const;
type S = (typeof STATES)[number];
interface Rec extends StoredRecord<S> {
  id: string;
  value?: number;
  busyCount: number;
}
interface Patch {
  value?: number;
  reason?: string;
  note?: string;
}

class StoreError extends Error {}

class Store extends RecordStore<Rec, S, Patch> {
  constructor(root: Level<string, unknown>) {
    super(root, {
      sublevel: 'things',
      states: STATES,
      terminal: new Set<S>(['done', 'dropped']),
      transitions: { open: ['busy', 'dropped'], busy: ['busy', 'done', 'dropped'], done: [], dropped: [] },
      error: StoreError,
      label: (id) => `thing ${id}`,
      missing: 'unknown',
      check: (rec, _to, patch, id) => {
        if (rec.value !== undefined && patch.value !== undefined) throw new StoreError(`thing ${id}: value is set`);
      },
      apply: (next, prev, to, patch) => {
        if (patch.value !== undefined) next.value = patch.value;
        if (patch.reason !== undefined) next.reason = patch.reason;
        if (to === 'busy') next.busyCount = prev.busyCount + 1;
      },
    });
  }

  add(id: string): Promise<Rec> {
    return this.locked(id, async () => {
      const now = new Date().toISOString();
      const rec: Rec = { id, state: 'open', busyCount: 0, updatedAt: now, history: [{ state: 'open', at: now }] };
      await this.db.put(jobKey(id), rec);
      this.emit(rec, undefined);
      return rec;
    });
  }
}

let dir: string;
let db: Level<string, unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-records-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
});
afterEach(async () => {
  if (db.status === 'open') await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('RecordStore', () => {
  it('keys sort like numeric ids', () => {
    expect(jobKey(7n)).toBe('00000000000000000007');
    expect([jobKey('10'), jobKey('9')].sort()).toEqual([jobKey('9'), jobKey('10')]);
  });

  it('checks transitions, applies patches, records history and notifies listeners', async () => {
    const store = new Store(db);
    const seen: [string, S | undefined][] = [];
    store.onChange((r, from) => seen.push([r.state, from]));
    await store.add('10');
    await store.add('9');
    const r = await store.transition('9', 'busy', { value: 3, note: 'go' });
    expect(r).toMatchObject({ state: 'busy', value: 3, busyCount: 1 });
    expect(r.history.map((h) => [h.state, h.note])).toEqual([['open', undefined], ['busy', 'go']]);
    await expect(store.transition('9', 'busy', { value: 4 })).rejects.toThrow('thing 9: value is set');
    await expect(store.transition('9', 'open')).rejects.toThrow(new StoreError('thing 9: busy -> open is not allowed'));
    await expect(store.transition('11', 'busy')).rejects.toThrow('thing 11: unknown');
    expect(seen).toEqual([['open', undefined], ['open', undefined], ['busy', 'open']]);

    await store.transition('10', 'dropped', { reason: 'gone' });
    expect((await store.list()).map((x) => x.id)).toEqual(['9', '10']);
    expect((await store.list({ state: 'dropped' })).map((x) => x.id)).toEqual(['10']);
    expect((await store.list({ limit: 1 })).map((x) => x.id)).toEqual(['9']);
    expect((await store.unfinished()).map((x) => x.id)).toEqual(['9']);
    expect(await store.countByState()).toEqual({ open: 0, busy: 1, done: 0, dropped: 1 });
    expect((await store.get(10n))?.history.at(-1)).toMatchObject({ state: 'dropped', note: 'gone' });

    expect(await store.annotate('9', 'slow')).toMatchObject({ state: 'busy', reason: 'slow' });
    expect(await store.annotate('12', 'x')).toBeUndefined();
  });

  it('serializes concurrent writes to one record and bounds the history', async () => {
    const store = new Store(db);
    await store.add('1');
    const n = MAX_HISTORY + 20;
    await Promise.all(Array.from({ length: n }, () => store.transition('1', 'busy')));
    const r = await store.get('1');
    expect(r?.busyCount).toBe(n);
    expect(r?.history).toHaveLength(MAX_HISTORY);
    expect(r?.history.every((h) => h.state === 'busy')).toBe(true);
  });
});
