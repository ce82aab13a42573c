import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { newBlockWaker } from "./wait.js";

/** A bare websocket endpoint: completes the handshake and keeps the connection open, nothing more. */
async function wsServer(): Promise<{ url: string; open: () => number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer();
  server.on("upgrade", (req, socket: Socket) => {
    const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.on("end", () => socket.end()); // upgraded sockets allow half-open: finish closing when the client does
    socket.on("data", () => undefined); // subscribe requests, close frames: ignored (a server that never answers)
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, open: () => sockets.size, server };
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe("newBlockWaker", () => {
  it("falls back to its interval when no block event comes", async () => {
    const s = await wsServer();
    server = s.server;
    const w = newBlockWaker(s.url);
    const t = Date.now();
    await w.next(80);
    expect(Date.now() - t).toBeGreaterThanOrEqual(70);
    w.close();
  });

  it("close() leaves no connection behind, whether the socket is open or still connecting", async () => {
    const s = await wsServer();
    server = s.server;
    const open = newBlockWaker(s.url);
    for (let i = 0; i < 50 && s.open() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.open()).toBe(1);
    open.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.open(), "after closing an open socket").toBe(0);
    const connecting = newBlockWaker(s.url);
    connecting.close(); // before the handshake
    // neither the closed socket nor a reconnect nor the aborted handshake may stay open
    await new Promise((r) => setTimeout(r, 600));
    expect(s.open(), "after closing a connecting socket").toBe(0);
  });

  it("close() wakes a pending wait at once", async () => {
    const w = newBlockWaker("http://127.0.0.1:1");
    const t = Date.now();
    const p = w.next(5000);
    w.close();
    await p;
    expect(Date.now() - t).toBeLessThan(1000);
  });
});
