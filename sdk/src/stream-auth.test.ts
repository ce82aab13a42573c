import { describe, expect, it } from "vitest";
import { addressOfPubkey, signStreamAuth, streamAuthHeaders, streamKeyFromMnemonic, verifyRequestAuth, verifyStreamAuth } from "./stream-auth.js";
import { signerFromMnemonic } from "./keys/keyring.js";

// BIP-39 test vector mnemonics (public; never hold value).
const A = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const B = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const NOW = 1_800_000_000;

describe("stream auth (requester signature over chain id, job id, expiry)", () => {
  it("the raw key derives the same address as the keyring's signer", async () => {
    const key = await streamKeyFromMnemonic(A);
    const [acct] = await (await signerFromMnemonic(A)).getAccounts();
    expect(key.address).toBe(acct!.address);
    expect(addressOfPubkey(key.pubkey)).toBe(key.address);
  });

  it("accepts the requester's fresh signature", async () => {
    const key = await streamKeyFromMnemonic(A);
    const h = streamAuthHeaders(await signStreamAuth(key, "c-1", 5n, NOW + 60));
    expect(await verifyStreamAuth(h, { chainId: "c-1", jobId: "5", requester: key.address, nowS: NOW })).toEqual({ ok: true, signer: key.address });
  });

  it("refuses: missing (401), another job or chain (401 bad_signature), expired or too far ahead (401), another signer (403)", async () => {
    const a = await streamKeyFromMnemonic(A);
    const b = await streamKeyFromMnemonic(B);
    const h = streamAuthHeaders(await signStreamAuth(a, "c-1", 5n, NOW + 60));
    const check = (headers: Record<string, string>, over: Partial<{ chainId: string; jobId: string; requester: string; nowS: number }> = {}) =>
      verifyStreamAuth(headers, { chainId: "c-1", jobId: "5", requester: a.address, nowS: NOW, ...over });
    expect(await check({})).toMatchObject({ status: 401, reason: "missing" });
    expect(await check(h, { jobId: "6" })).toMatchObject({ status: 401, reason: "bad_signature" });
    expect(await check(h, { chainId: "c-2" })).toMatchObject({ status: 401, reason: "bad_signature" });
    expect(await check(h, { nowS: NOW + 60 })).toMatchObject({ status: 401, reason: "expired" });
    expect(await check(streamAuthHeaders(await signStreamAuth(a, "c-1", 5n, NOW + 3600)))).toMatchObject({ status: 401, reason: "expired" });
    expect(await check({ ...h, "x-inferchain-expires": String(NOW + 61) })).toMatchObject({ status: 401, reason: "bad_signature" });
    expect(await check({ ...h, "x-inferchain-signature": "AAAA" })).toMatchObject({ status: 401, reason: "malformed" });
    const byB = streamAuthHeaders(await signStreamAuth(b, "c-1", 5n, NOW + 60));
    expect(await check(byB)).toEqual({ ok: false, status: 403, reason: "not_requester", signer: b.address });
  });

  it("scopes are in the signed bytes: a stream signature fetches no training state, and a training-state one opens no stream", async () => {
    const a = await streamKeyFromMnemonic(A);
    const stream = streamAuthHeaders(await signStreamAuth(a, "c-1", 5n, NOW + 60));
    const state = streamAuthHeaders(await signStreamAuth(a, "c-1", 5n, NOW + 60, "training-state"));
    expect(await verifyRequestAuth(state, { scope: "training-state", chainId: "c-1", jobId: 5n, nowS: NOW })).toEqual({ ok: true, signer: a.address });
    expect(await verifyRequestAuth(stream, { scope: "training-state", chainId: "c-1", jobId: 5n, nowS: NOW })).toMatchObject({ status: 401, reason: "bad_signature" });
    expect(await verifyStreamAuth(state, { chainId: "c-1", jobId: "5", requester: a.address, nowS: NOW })).toMatchObject({ status: 401, reason: "bad_signature" });
  });
});
