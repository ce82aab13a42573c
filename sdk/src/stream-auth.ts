/**
 * Authentication of a sidecar token stream (GET /v1/jobs/:id/stream): the requester signs, with its account's
 * secp256k1 key, a statement naming the chain, the job and an expiry. The sidecar checks the signature, that the
 * public key's address is the job's requester on chain, and the expiry; the chain id and job id in the signed
 * bytes keep a signature from being replayed for another job or chain, the expiry bounds its lifetime.
 *
 * Signed bytes: sha256("inferchain-stream/v1\n<chain-id>\n<job-id>\n<expires-unix-seconds>"), signature r||s
 * (64 bytes, low-s), public key compressed (33 bytes). Sent as headers (see STREAM_AUTH_HEADERS).
 */
import { Bip39, EnglishMnemonic, Secp256k1, Secp256k1Signature, sha256, Slip10, Slip10Curve, ripemd160, stringToPath } from "@cosmjs/crypto";
import { fromBase64, toBase64, toBech32 } from "@cosmjs/encoding";
import { BECH32_PREFIX } from "./client/query-client.js";
import { DEFAULT_HD_PATH } from "./keys/keyring.js";

export const STREAM_AUTH_HEADERS = {
  pubkey: "x-inferchain-pubkey",
  signature: "x-inferchain-signature",
  expires: "x-inferchain-expires",
} as const;

/** Longest lifetime a sidecar accepts for a stream signature (now + this at most). */
export const MAX_STREAM_AUTH_LIFETIME_S = 15 * 60;

export interface StreamAuth {
  /** base64 compressed secp256k1 public key */
  pubkey: string;
  /** base64 r||s */
  signature: string;
  /** unix seconds */
  expires: number;
}

/**
 * What a signed request is for: `stream` (a job's token stream, for its requester) or `training-state` (a training
 * job's checkpoint states, for its replay committee and requester). The scope is in the signed bytes, so a stream
 * signature cannot fetch training states and the other way round.
 */
export type RequestAuthScope = "stream" | "training-state";

export function requestAuthMessage(scope: RequestAuthScope, chainId: string, jobId: bigint | string, expires: number): Uint8Array {
  return sha256(new TextEncoder().encode(`inferchain-${scope}/v1\n${chainId}\n${BigInt(jobId).toString()}\n${expires}`));
}

export function streamAuthMessage(chainId: string, jobId: bigint | string, expires: number): Uint8Array {
  return requestAuthMessage("stream", chainId, jobId, expires);
}

/** The infer1... address of a compressed secp256k1 public key (cosmos: ripemd160(sha256(pubkey))). */
export function addressOfPubkey(pubkey: Uint8Array, prefix = BECH32_PREFIX): string {
  return toBech32(prefix, ripemd160(sha256(pubkey)));
}

export interface StreamKey {
  privkey: Uint8Array;
  /** compressed */
  pubkey: Uint8Array;
  address: string;
}

/** The raw key of a keyring mnemonic (the stream signature is not a transaction, so no OfflineSigner fits). */
export async function streamKeyFromMnemonic(mnemonic: string, hdPath: string = DEFAULT_HD_PATH): Promise<StreamKey> {
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic.trim().split(/\s+/).join(" ")));
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath(hdPath));
  const pair = await Secp256k1.makeKeypair(privkey);
  const pubkey = Secp256k1.compressPubkey(pair.pubkey);
  return { privkey, pubkey, address: addressOfPubkey(pubkey) };
}

export async function signStreamAuth(key: StreamKey, chainId: string, jobId: bigint | string, expires: number, scope: RequestAuthScope = "stream"): Promise<StreamAuth> {
  const sig = await Secp256k1.createSignature(requestAuthMessage(scope, chainId, jobId, expires), key.privkey);
  return { pubkey: toBase64(key.pubkey), signature: toBase64(sig.toFixedLength().slice(0, 64)), expires };
}

export function streamAuthHeaders(auth: StreamAuth): Record<string, string> {
  return { [STREAM_AUTH_HEADERS.pubkey]: auth.pubkey, [STREAM_AUTH_HEADERS.signature]: auth.signature, [STREAM_AUTH_HEADERS.expires]: String(auth.expires) };
}

export type StreamAuthFailure =
  | { ok: false; status: 401; reason: "missing" | "malformed" | "bad_signature" | "expired" }
  | { ok: false; status: 403; reason: "not_requester"; signer: string };

/**
 * Checks a signed request for `jobId` in `scope` and returns its signer's address. 401: missing, malformed, bad
 * signature, expired or too far in the future. Whether the signer may have what it asks for is the caller's rule.
 */
export async function verifyRequestAuth(
  headers: Record<string, string | string[] | undefined>,
  expect: { scope: RequestAuthScope; chainId: string; jobId: bigint | string; nowS?: number },
): Promise<{ ok: true; signer: string } | Extract<StreamAuthFailure, { status: 401 }>> {
  const get = (h: string): string | undefined => {
    const v = headers[h];
    return Array.isArray(v) ? v[0] : v;
  };
  const pk = get(STREAM_AUTH_HEADERS.pubkey);
  const sg = get(STREAM_AUTH_HEADERS.signature);
  const ex = get(STREAM_AUTH_HEADERS.expires);
  if (pk === undefined || sg === undefined || ex === undefined) return { ok: false, status: 401, reason: "missing" };
  if (!/^\d{1,12}$/.test(ex)) return { ok: false, status: 401, reason: "malformed" };
  const expires = Number(ex);
  const now = expect.nowS ?? Math.floor(Date.now() / 1000);
  if (expires <= now || expires > now + MAX_STREAM_AUTH_LIFETIME_S) return { ok: false, status: 401, reason: "expired" };
  let pubkey: Uint8Array;
  let sig: Uint8Array;
  try {
    pubkey = fromBase64(pk);
    sig = fromBase64(sg);
  } catch {
    return { ok: false, status: 401, reason: "malformed" };
  }
  if (pubkey.length !== 33 || sig.length !== 64) return { ok: false, status: 401, reason: "malformed" };
  let valid = false;
  try {
    valid = await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), requestAuthMessage(expect.scope, expect.chainId, expect.jobId, expires), pubkey);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, status: 401, reason: "bad_signature" };
  return { ok: true, signer: addressOfPubkey(pubkey) };
}

/**
 * Checks a stream signature for `jobId` whose requester on chain is `requester`. 401: missing, malformed, bad
 * signature, expired or too far in the future; 403: a valid signature by someone other than the requester.
 */
export async function verifyStreamAuth(
  headers: Record<string, string | string[] | undefined>,
  expect: { chainId: string; jobId: bigint | string; requester: string; nowS?: number },
): Promise<{ ok: true; signer: string } | StreamAuthFailure> {
  const r = await verifyRequestAuth(headers, { scope: "stream", chainId: expect.chainId, jobId: expect.jobId, ...(expect.nowS !== undefined ? { nowS: expect.nowS } : {}) });
  if (!r.ok) return r;
  if (r.signer !== expect.requester) return { ok: false, status: 403, reason: "not_requester", signer: r.signer };
  return r;
}
