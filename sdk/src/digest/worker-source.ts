import { BATCH_LEAVES, RANGE_HASHER_SOURCE } from "./range-hasher.js";

/**
 * The hashing worker, as plain CommonJS run with `new Worker(src, { eval: true })`. A string rather than a
 * module file so the same code runs from the TS sources (vitest, tsx) and from dist (the CLI) without
 * resolving a sibling file. It only computes the Merkle subtree root of one byte range of one file; the
 * main thread owns the tree above. Kept identical in scheme to merkle.ts (both are checked against
 * test/vectors/digest.json).
 *
 * The hashing itself (leaf and node hashes, the tree over the chunk's leaves) is range-hasher.ts, shared
 * with the calling-thread path. A worker may have several tasks queued (the pool keeps it fed while a reply
 * travels back); it runs them one at a time through its one small buffer (BATCH_LEAVES leaves), so memory per worker is
 * bounded whatever the file and chunk sizes.
 *
 * Protocol: in  { id, path, offset, length } | { id, close: true }
 *           out { id, root: Uint8Array(32) } | { id, error, code } | { id, closed: true }
 */
export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
` + RANGE_HASHER_SOURCE + String.raw`
const LEAF = workerData.leafSize;
const BATCH = ${BATCH_LEAVES};
const hasher = makeRangeHasher(crypto, LEAF, BATCH);
const dataViews = hasher.dataViews;
let openPath = null;
let fd = -1;

function open(path) {
  if (openPath === path) return fd;
  closeFd();
  fd = fs.openSync(path, "r");
  openPath = path;
  return fd;
}
function closeFd() {
  if (fd >= 0) fs.closeSync(fd);
  fd = -1;
  openPath = null;
}
function shortRead() {
  const e = new Error("file is shorter than when it was listed (changed while hashing?)");
  e.code = "ESHORT";
  return e;
}
// Fills the first leaves' data views with [pos, pos+bytes) (bytes <= BATCH × LEAF), from the page cache.
function readBatch(f, pos, bytes) {
  const leaves = Math.ceil(bytes / LEAF);
  let done = 0;
  while (done < bytes) {
    const first = Math.floor(done / LEAF);
    const iov = [];
    for (let i = first; i < leaves; i++) {
      const start = i === first ? done % LEAF : 0;
      const end = i === leaves - 1 ? bytes - i * LEAF : LEAF;
      iov.push(start === 0 && end === LEAF ? dataViews[i] : dataViews[i].subarray(start, end));
    }
    const n = fs.readvSync(f, iov, pos + done);
    if (n === 0) throw shortRead();
    done += n;
  }
  return leaves;
}
function hashRange(f, offset, length) {
  for (let done = 0; done < length; ) {
    const bytes = Math.min(BATCH * LEAF, length - done);
    const leaves = readBatch(f, offset + done, bytes);
    hasher.addLeaves(leaves, bytes - (leaves - 1) * LEAF);
    done += bytes;
  }
  return hasher.finish();
}

parentPort.on("message", (task) => {
  if (task.close) {
    try { closeFd(); } catch {}
    parentPort.postMessage({ id: task.id, closed: true });
    return;
  }
  try {
    parentPort.postMessage({ id: task.id, root: hashRange(open(task.path), task.offset, task.length) });
  } catch (err) {
    hasher.reset();
    try { closeFd(); } catch {}
    parentPort.postMessage({ id: task.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;
