import { randomUUID } from "node:crypto";
import type { Json } from "../client/json.js";
import type { Provenance } from "../client/provenance.js";
import { invalidArgument } from "../errors.js";
import { buildCycloneDx } from "./cyclonedx.js";
import { buildSpdx } from "./spdx.js";

export { attestationStatus, DIGEST_SCHEME, type AttestationStatus } from "./subjects.js";
export { SPDX_CONTEXT } from "./spdx.js";

export const BOM_FORMATS = ["cyclonedx", "spdx"] as const;
export type BomFormat = (typeof BOM_FORMATS)[number];

export interface ModelBomOptions {
  /** cyclonedx (CycloneDX 1.6 JSON, the default) or spdx (SPDX 3.0.1 JSON-LD, AI + Dataset profiles). */
  format?: BomFormat;
  /** The chain height the provenance was read at; attestation expiry is judged against it. */
  height?: bigint | number;
  chainId?: string;
  /** Creation time (default now); fix it, with serialNumber, for reproducible output. */
  timestamp?: Date;
  /** A UUID (default random). */
  serialNumber?: string;
  /** Version of the tool that wrote the BOM (default the SDK's). */
  toolVersion?: string;
}

export interface ModelBom {
  format: BomFormat;
  /** The media type to serve or save it as. */
  mediaType: string;
  /** Suggested file name extension. */
  extension: string;
  document: { [key: string]: Json };
}

export const SDK_VERSION = "0.1.0";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function parseBomFormat(value: string, field = "format"): BomFormat {
  const v = value.toLowerCase();
  if ((BOM_FORMATS as readonly string[]).includes(v)) return v as BomFormat;
  throw invalidArgument(field, `unknown BOM format "${value}" (one of: ${BOM_FORMATS.join(", ")})`);
}

/**
 * An ML-BOM of the provenance's model (see getProvenance): CycloneDX 1.6 JSON or SPDX 3.0.1 JSON-LD.
 * Pure: everything comes from `provenance` and `options`; pass includeRevoked to getProvenance to list
 * revoked attestations too (they are marked revoked).
 */
export function buildModelBom(provenance: Provenance, options: ModelBomOptions = {}): ModelBom {
  const format = parseBomFormat(options.format ?? "cyclonedx");
  const serialNumber = options.serialNumber ?? randomUUID();
  if (!UUID.test(serialNumber)) throw invalidArgument("serialNumber", `"${serialNumber}" is not a lowercase RFC 4122 UUID`);
  const timestamp = options.timestamp ?? new Date();
  if (Number.isNaN(timestamp.getTime())) throw invalidArgument("timestamp", "is not a valid date");
  const ctx = {
    timestamp,
    serialNumber,
    toolVersion: options.toolVersion ?? SDK_VERSION,
    ...(options.chainId !== undefined ? { chainId: options.chainId } : {}),
    ...(options.height !== undefined ? { height: BigInt(options.height) } : {}),
  };
  return format === "cyclonedx"
    ? { format, mediaType: "application/vnd.cyclonedx+json; version=1.6", extension: ".cdx.json", document: buildCycloneDx(provenance, ctx) }
    : { format, mediaType: "application/spdx+json", extension: ".spdx.json", document: buildSpdx(provenance, ctx) };
}
