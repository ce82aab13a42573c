import { PageRequest } from "../generated/cosmos/base/query/v1beta1/pagination.js";

export interface PageOptions {
  /** Items per page (the chain caps it). */
  limit?: number;
  /** Continue after a previous page's nextKey. */
  key?: Uint8Array;
  offset?: number;
  reverse?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass as `key` to get the next page; undefined on the last page. */
  nextKey: Uint8Array | undefined;
}

export function toPageRequest(page: PageOptions = {}): PageRequest {
  return PageRequest.fromPartial({
    key: page.key ?? new Uint8Array(0),
    offset: BigInt(page.offset ?? 0),
    limit: BigInt(page.limit ?? 0),
    reverse: page.reverse ?? false,
  });
}

export function nextKeyOf(pagination: { nextKey: Uint8Array } | undefined): Uint8Array | undefined {
  return pagination && pagination.nextKey.length > 0 ? pagination.nextKey : undefined;
}

/** Follows nextKey until the last page. */
export async function collectAll<T>(fetch: (page: PageOptions) => Promise<Page<T>>, limit = 200): Promise<T[]> {
  const out: T[] = [];
  let key: Uint8Array | undefined;
  do {
    const page = await fetch(key ? { key, limit } : { limit });
    out.push(...page.items);
    key = page.nextKey;
  } while (key);
  return out;
}
