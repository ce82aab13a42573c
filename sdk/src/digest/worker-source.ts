/**
 * The hashing worker, as plain CommonJS run with `new Worker(src, { eval: true })`. A string rather than a
 * module file so the same code runs from the TS sources (vitest, tsx) and from dist (the CLI) without
 * resolving a sibling file. It only computes the Merkle subtree root of one byte range of one file; the
 * main thread owns the tree above. Kept identical in scheme to merkle.ts (both are checked against
 * test/vectors/digest.json).
 *
 * Protocol: in  { id, path, offset, length } | { id, close: true }
 *           out { id, root: Uint8Array(32) } | { id, error, code } | { id, closed: true }
 */
export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const LEAF = workerData.leafSize;
const LEAVES = workerData.chunkSize / LEAF;
// One-shot hashing is one native call per message instead of three (createHash/update/digest); with
// ~2 hashes per 4 KiB, call overhead is what separates this from a bulk SHA-256. Node < 20.12 lacks it.
const sha256 = typeof crypto.hash === "function"
  ? (b) => crypto.hash("sha256", b, "buffer")
  : (b) => crypto.createHash("sha256").update(b).digest();
// The chunk is read with one readv straight into 4097-byte slots, each slot's first byte the 0x00 leaf
// prefix, so every leaf is hashed in place: no copy, no separate prefix update. IOV_MAX is 1024 on Linux,
// so larger chunks take several readv calls.
const slots = Buffer.alloc((LEAF + 1) * LEAVES);
const leafViews = [];
const dataViews = [];
for (let i = 0; i < LEAVES; i++) {
  leafViews.push(slots.subarray(i * (LEAF + 1), (i + 1) * (LEAF + 1)));
  dataViews.push(slots.subarray(i * (LEAF + 1) + 1, (i + 1) * (LEAF + 1)));
}
const IOV_MAX = 1024;
const node = Buffer.alloc(65);
node[0] = 1;
const emptyLeaf = sha256(Buffer.from([0]));
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
// Fills the slots with [offset, offset+length); returns the number of leaves.
function readChunk(f, offset, length) {
  const leaves = Math.ceil(length / LEAF);
  let done = 0;
  while (done < length) {
    const first = Math.floor(done / LEAF);
    const inLeaf = done % LEAF;
    const iov = [];
    for (let i = first; i < leaves && iov.length < IOV_MAX; i++) {
      const end = i === leaves - 1 ? length - i * LEAF : LEAF;
      iov.push(dataViews[i].subarray(i === first ? inLeaf : 0, end));
    }
    const n = fs.readvSync(f, iov, offset + done);
    if (n === 0) throw shortRead();
    done += n;
  }
  return leaves;
}
function rangeRoot(length, leaves) {
  if (length === 0) return emptyLeaf;
  const level = new Array(leaves);
  for (let i = 0; i < leaves; i++) {
    const len = i === leaves - 1 ? length - i * LEAF : LEAF;
    level[i] = sha256(len === LEAF ? leafViews[i] : leafViews[i].subarray(0, len + 1));
  }
  // Bottom-up with the odd last node carried up: the RFC 6962 shape.
  let n = leaves;
  while (n > 1) {
    let w = 0;
    for (let i = 0; i + 1 < n; i += 2) {
      level[i].copy(node, 1);
      level[i + 1].copy(node, 33);
      level[w++] = sha256(node);
    }
    if (n % 2 === 1) level[w++] = level[n - 1];
    n = w;
  }
  return level[0];
}

parentPort.on("message", (task) => {
  if (task.close) {
    try { closeFd(); } catch {}
    parentPort.postMessage({ id: task.id, closed: true });
    return;
  }
  try {
    const f = open(task.path);
    const leaves = task.length === 0 ? 0 : readChunk(f, task.offset, task.length);
    parentPort.postMessage({ id: task.id, root: rangeRoot(task.length, leaves) });
  } catch (err) {
    try { closeFd(); } catch {}
    parentPort.postMessage({ id: task.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;
