export { LEAF_SIZE, DEFAULT_CHUNK_SIZE } from "./constants.js";
export { leafHash, leafHashesInto, nodeHash, merkleRoot, bytesRoot } from "./merkle.js";
export { isDigest, assertDigest, toHex, fromHexDigest } from "./hex.js";
export { type ArtifactFileDigest, comparePaths, sortFiles, fileLeaf, contentRootFromFiles, totalBytes } from "./content-root.js";
export { type ArtifactInput, type ListedFile, listArtifactFiles, validateArtifactPath } from "./inputs.js";
export { type DigestProgress, type DigestOptions, type ArtifactDigest, type FileDigest, digestArtifact, digestFile, digestBytes } from "./digest.js";
export { type ArtifactMismatch, type ArtifactVerification, compareArtifact } from "./verify.js";
export { MerkleLevels, rootFromRangeProof, rootFromRangeProofOfHashes, verifyRange, rootFromInclusionProof, verifyInclusion, leafAuditPath } from "./proof.js";
