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
const buf = Buffer.allocUnsafe(workerData.chunkSize);
const leafBase = crypto.createHash("sha256").update(Buffer.from([0]));
const node = Buffer.alloc(65);
node[0] = 1;
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
function readFull(f, length, offset) {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(f, buf, got, length - got, offset + got);
    if (n === 0) {
      const e = new Error("file is shorter than when it was listed (changed while hashing?)");
      e.code = "ESHORT";
      throw e;
    }
    got += n;
  }
}
function rangeRoot(length) {
  if (length === 0) return leafBase.copy().digest();
  const level = [];
  for (let off = 0; off < length; off += LEAF) {
    level.push(leafBase.copy().update(buf.subarray(off, Math.min(off + LEAF, length))).digest());
  }
  // Bottom-up with the odd last node carried up: the RFC 6962 shape.
  let n = level.length;
  while (n > 1) {
    let w = 0;
    for (let i = 0; i + 1 < n; i += 2) {
      level[i].copy(node, 1);
      level[i + 1].copy(node, 33);
      level[w++] = crypto.createHash("sha256").update(node).digest();
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
    readFull(open(task.path), task.length, task.offset);
    parentPort.postMessage({ id: task.id, root: rangeRoot(task.length) });
  } catch (err) {
    try { closeFd(); } catch {}
    parentPort.postMessage({ id: task.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;
