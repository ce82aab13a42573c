import type { FastifyInstance } from "fastify";
import { InferchainError } from "../errors.js";
import { buildExplorer, type ExplorerOptions } from "./server.js";

export const DEFAULT_EXPLORER_HOST = "127.0.0.1";
export const DEFAULT_EXPLORER_PORT = 8088;

export interface RunningExplorer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the explorer and listens (127.0.0.1 unless told otherwise; port 0 picks a free one). */
export async function serveExplorer(options: ExplorerOptions & { host?: string; port?: number }): Promise<RunningExplorer> {
  const app = buildExplorer(options);
  const host = options.host ?? DEFAULT_EXPLORER_HOST;
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_EXPLORER_PORT });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    throw new InferchainError(
      "invalid_argument",
      code === "EADDRINUSE" ? `port ${options.port} on ${host} is in use (choose another with --port)` : `cannot listen on ${host}:${options.port}: ${(err as Error).message}`,
      { field: "port", cause: err },
    );
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : options.port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, app, close: () => app.close() };
}
