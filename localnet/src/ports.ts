/**
 * Port layout: validator i listens on the CometBFT/SDK defaults plus `offset + 10*i`, all on 127.0.0.1.
 * offset 0 gives the familiar 26657/9090/1317 for validator 0; tests use another offset so they never
 * collide with a developer's running localnet.
 */
export interface NodePorts {
  p2p: number;
  rpc: number;
  grpc: number;
  api: number;
}

export function portsFor(index: number, offset = 0): NodePorts {
  const shift = offset + 10 * index;
  return { p2p: 26656 + shift, rpc: 26657 + shift, grpc: 9090 + shift, api: 1317 + shift };
}

export interface Endpoints {
  rpc: string;
  grpc: string;
  api: string;
}

export function endpointsFor(ports: NodePorts): Endpoints {
  return {
    rpc: `http://127.0.0.1:${ports.rpc}`,
    grpc: `127.0.0.1:${ports.grpc}`,
    api: `http://127.0.0.1:${ports.api}`,
  };
}
