/** Bytes per Merkle leaf (DESIGN.md, "Digest scheme"). */
export const LEAF_SIZE = 4096;

/**
 * Default bytes per hashing task: 1024 leaves. A power-of-two leaf count at an aligned offset is an exact
 * subtree of the RFC 6962 tree, so tasks return one 32-byte subtree root and the file root is the same tree
 * over those roots. Memory per file is 32 bytes per 4 MiB.
 */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/** Below this many bytes in total, starting workers costs more than it saves. */
export const WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024;
