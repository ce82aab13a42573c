import type { Attestation, Dataset, Model } from "../generated/inferchain/registry/v1/types.js";
import type { Provenance } from "../client/provenance.js";

/**
 * What both BOM formats need from a provenance record, indexed once: every model (the subject first) and
 * dataset by content root, and each attestation's status at the height the BOM describes.
 */
export interface BomSubjects {
  model: Model;
  /** The subject model first, then its ancestors in lineage order. */
  models: Model[];
  datasets: Dataset[];
  modelsByRoot: Map<string, Model>;
  datasetsByRoot: Map<string, Dataset>;
  /** Every attestation once, ordered by id. */
  attestations: Attestation[];
}

export function indexProvenance(p: Provenance): BomSubjects {
  const models = [p.model, ...p.ancestors.filter((m) => m.contentRoot !== p.model.contentRoot)];
  const modelsByRoot = new Map(models.map((m) => [m.contentRoot, m]));
  const datasetsByRoot = new Map(p.datasets.map((d) => [d.contentRoot, d]));
  const byId = new Map<bigint, Attestation>();
  for (const list of Object.values(p.attestations)) for (const a of list) byId.set(a.id, a);
  const attestations = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { model: p.model, models, datasets: [...datasetsByRoot.values()], modelsByRoot, datasetsByRoot, attestations };
}

export type AttestationStatus = "valid" | "expired" | "revoked";

/**
 * valid, expired (the chain height reached expires_height: the chain refuses expiries at or below the issue
 * height, so an attestation is live strictly below it) or revoked. Without a height, expiry cannot be judged
 * and a non-revoked attestation counts as valid; callers pass the height they queried at.
 */
export function attestationStatus(a: Attestation, height: bigint | undefined): AttestationStatus {
  if (a.revoked) return "revoked";
  if (a.expiresHeight > 0n && height !== undefined && height >= a.expiresHeight) return "expired";
  return "valid";
}

/** Stable references, shared by the formats so a reader can match a BOM element to a chain record. */
export const modelRef = (root: string): string => `model:${root}`;
export const datasetRef = (root: string): string => `dataset:${root}`;
export const subjectRef = (root: string, s: BomSubjects): string => (s.datasetsByRoot.has(root) ? datasetRef(root) : modelRef(root));

/**
 * The content and file roots are Merkle roots (RFC 6962 tree of SHA-256 over 4 KiB leaves), not SHA-256 digests
 * of the bytes, so they must never be presented as a plain "SHA-256" hash. This note travels with them.
 */
export const DIGEST_SCHEME =
  "inferchain-merkle-v1: RFC 6962 Merkle tree, leaf = SHA-256(0x00 || 4 KiB chunk), node = SHA-256(0x01 || left || right); " +
  "content root = the same tree over per-file leaves (path, size, file root). Not a SHA-256 of the file bytes.";

/** An SPDX license expression (has an operator) rather than a single id. */
export const isLicenseExpression = (license: string): boolean => /\s(AND|OR|WITH)\s|[()]/.test(license);
