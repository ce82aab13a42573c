/** What a BOM says about itself: when, by what, and at which chain height it was taken. */
export interface BomContext {
  timestamp: Date;
  /** A UUID (no urn: prefix): the CycloneDX serial number and the SPDX document namespace. */
  serialNumber: string;
  toolVersion: string;
  chainId?: string;
  /** The chain height the provenance was read at: attestations expire relative to it. */
  height?: bigint;
}
