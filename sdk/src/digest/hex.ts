import { invalidArgument } from "../errors.js";

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a lowercase 64-hex digest (content root, file root, hash), the only form the chain accepts. */
export function isDigest(value: string): boolean {
  return HEX64.test(value);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Parses a digest, throwing an InferchainError that names `field` when it is not lowercase 64-hex. */
export function fromHexDigest(value: string, field = "digest"): Buffer {
  assertDigest(value, field);
  return Buffer.from(value, "hex");
}

export function assertDigest(value: string, field = "digest"): void {
  if (!isDigest(value)) throw invalidArgument(field, `expected a lowercase 64-hex SHA-256 digest, got "${value}"`);
}
