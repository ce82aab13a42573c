/**
 * Sidecar configuration: a JSON file, then INFERCHAIN_NODE_* environment overrides, then validation.
 * Format and every override are documented in CONFIG.md beside this file.
 */
import { parseDatasets, type ServedDataset } from '../store/datasets.js';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { VERIFY_DEFAULTS, parseVerifyConfig, type VerifyConfig } from '../audits/config.js';
import type { SidecarKeyConfig } from '../chain/signer.js';
import { ENGINE_DEFAULTS, parseEngineConfig, type EngineConfig } from '../engine/config.js';
import { integer } from '../util/config-section.js';
import { NO_FAULTS, parseFaultsConfig, type FaultsConfig } from '../faults/config.js';
import { ADMISSION_DEFAULTS, parseAdmissionConfig, type AdmissionConfig } from '../jobs/admission.js';
import type { ServedModel } from '../store/model-store.js';
import { parseTrainingConfig, type TrainingConfig } from '../training/config.js';

// Each module owns the type (and, for verify/faults, the parser) of its section; this file composes them.
export type { SidecarKeyConfig, EngineConfig, ServedModel, VerifyConfig, FaultsConfig, TrainingConfig };

export interface ChainConfig {
  /** CometBFT RPC, http(s)://host:port. The websocket (ws://host:port/websocket) is derived from it. */
  rpc: string;
  chainId: string;
  gasPrice: string;
  /** Poll loop period: the source of truth for new blocks (the websocket only wakes it up early). */
  pollIntervalMs: number;
  /** How often Query/Jobs(executor, PENDING) is compared with the local queue. */
  reconcileIntervalMs: number;
  /** Subscribe to NewBlock over the websocket to react faster than the poll period. */
  websocket: boolean;
}

export interface ApiConfig {
  host: string;
  /** 0 picks a free port (logged, and reported by the `ready` log line). */
  port: number;
}

export interface NodeConfig {
  chain: ChainConfig;
  sidecar: SidecarKeyConfig;
  /** The validator operator address this sidecar executes for (infervaloper1...). */
  validator: string;
  /** Level database and other state. */
  dataDir: string;
  models: ServedModel[];
  /** Datasets shared under /v1/artifacts (optional; store/datasets.ts). */
  datasets: ServedDataset[];
  engine: EngineConfig;
  api: ApiConfig;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Audit committee duty (audits/config.ts). */
  verify: VerifyConfig;
  /** Fault injection for e2e tests only; off unless set in the config file (faults/config.ts). */
  faults: FaultsConfig;
  /** Training duty (training/config.ts); off by default. */
  training: TrainingConfig;
  /** Overload rejection at job intake (jobs/admission.ts). */
  admission: AdmissionConfig;
}

export const DEFAULT_API_PORT = 26690;

export const DEFAULTS = {
  chain: {
    rpc: 'http://127.0.0.1:26657',
    chainId: 'inferchain-local-1',
    gasPrice: '0.025uinfer',
    pollIntervalMs: 1000,
    reconcileIntervalMs: 15_000,
    websocket: true,
  },
  dataDir: './inferchain-node-data',
  engine: ENGINE_DEFAULTS,
  api: { host: '127.0.0.1', port: DEFAULT_API_PORT },
  logLevel: 'info' as const,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problems: string[],
    readonly source: string,
  ) {
    super(`invalid sidecar config (${source}):\n  - ${problems.join('\n  - ')}`);
  }
}

/** Environment overrides: INFERCHAIN_NODE_<KEY> -> config path and type. */
export const ENV_OVERRIDES: Record<string, { path: string[]; type: 'string' | 'int' | 'bool' | 'list' | 'json' }> = {
  CHAIN_RPC: { path: ['chain', 'rpc'], type: 'string' },
  CHAIN_ID: { path: ['chain', 'chainId'], type: 'string' },
  CHAIN_GAS_PRICE: { path: ['chain', 'gasPrice'], type: 'string' },
  CHAIN_POLL_INTERVAL_MS: { path: ['chain', 'pollIntervalMs'], type: 'int' },
  CHAIN_RECONCILE_INTERVAL_MS: { path: ['chain', 'reconcileIntervalMs'], type: 'int' },
  CHAIN_WEBSOCKET: { path: ['chain', 'websocket'], type: 'bool' },
  SIDECAR_KEY_NAME: { path: ['sidecar', 'keyName'], type: 'string' },
  SIDECAR_HOME: { path: ['sidecar', 'home'], type: 'string' },
  SIDECAR_MNEMONIC_FILE: { path: ['sidecar', 'mnemonicFile'], type: 'string' },
  VALIDATOR: { path: ['validator'], type: 'string' },
  DATA_DIR: { path: ['dataDir'], type: 'string' },
  MODELS: { path: ['models'], type: 'json' },
  ENGINE_EXECUTION_PROVIDERS: { path: ['engine', 'executionProviders'], type: 'list' },
  ENGINE_THREADS: { path: ['engine', 'threads'], type: 'int' },
  ENGINE_TOPK_COMMIT: { path: ['engine', 'topKCommit'], type: 'int' },
  ENGINE_MAX_CONCURRENT_JOBS: { path: ['engine', 'maxConcurrentJobs'], type: 'int' },
  API_HOST: { path: ['api', 'host'], type: 'string' },
  API_PORT: { path: ['api', 'port'], type: 'int' },
  LOG_LEVEL: { path: ['logLevel'], type: 'string' },
};

export const ENV_PREFIX = 'INFERCHAIN_NODE_';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const HEX64 = /^[0-9a-f]{64}$/;
const BECH32_VALOPER = /^infervaloper1[02-9ac-hj-np-z]{38,58}$/;

type Json = Record<string, unknown>;

/** Reads, overrides and validates; relative paths resolve against the config file's directory. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`cannot read the config file: ${(e as Error).message}`], file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`not valid JSON: ${(e as Error).message}`], file);
  }
  return parseConfig(raw, { source: file, baseDir: dirname(resolve(file)), env });
}

export interface ParseOptions {
  source?: string;
  /** Relative paths (dataDir, models[].dir, key files) resolve against this; default: the cwd. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function parseConfig(raw: unknown, opts: ParseOptions = {}): NodeConfig {
  const source = opts.source ?? '<config>';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the top level must be a JSON object'], source);
  const problems: string[] = [];
  const doc = structuredClone(raw) as Json;
  applyEnv(doc, opts.env ?? {}, problems);
  const cfg = validate(doc, problems, opts.baseDir ?? process.cwd());
  if (problems.length > 0) throw new ConfigError(problems, source);
  return cfg;
}

function applyEnv(doc: Json, env: NodeJS.ProcessEnv, problems: string[]): void {
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || value === undefined) continue;
    const name = key.slice(ENV_PREFIX.length);
    const spec = ENV_OVERRIDES[name];
    if (!spec) {
      problems.push(`${key}: unknown override (known: ${Object.keys(ENV_OVERRIDES).map((k) => ENV_PREFIX + k).join(', ')})`);
      continue;
    }
    let parsed: unknown = value;
    if (spec.type === 'int') {
      parsed = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
      if (Number.isNaN(parsed)) problems.push(`${key}: "${value}" is not an integer`);
    } else if (spec.type === 'bool') {
      if (!/^(true|false|1|0)$/i.test(value.trim())) problems.push(`${key}: "${value}" is not true/false`);
      parsed = /^(true|1)$/i.test(value.trim());
    } else if (spec.type === 'list') {
      parsed = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (spec.type === 'json') {
      try {
        parsed = JSON.parse(value);
      } catch (e) {
        problems.push(`${key}: not valid JSON (${(e as Error).message})`);
        continue;
      }
    }
    let node = doc;
    for (const part of spec.path.slice(0, -1)) {
      if (!node[part] || typeof node[part] !== 'object') node[part] = {};
      node = node[part] as Json;
    }
    node[spec.path[spec.path.length - 1]!] = parsed;
  }
}

function validate(doc: Json, problems: string[], baseDir: string): NodeConfig {
  const section = (name: string): Json => {
    const v = doc[name];
    if (v === undefined) return {};
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${name}: must be an object`);
      return {};
    }
    return v as Json;
  };
  const str = (obj: Json, key: string, where: string, def?: string): string => {
    const v = obj[key];
    if (v === undefined || v === '') {
      if (def === undefined) problems.push(`${where}: required`);
      return def ?? '';
    }
    if (typeof v !== 'string') {
      problems.push(`${where}: must be a string`);
      return def ?? '';
    }
    return v;
  };
  const int = (obj: Json, key: string, where: string, def: number, min: number, max: number): number => integer(obj, key, where, def, min, max, problems);
  const bool = (obj: Json, key: string, where: string, def: boolean): boolean => {
    const v = obj[key] ?? def;
    if (typeof v !== 'boolean') {
      problems.push(`${where}: must be true or false`);
      return def;
    }
    return v;
  };
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));

  const known = new Set(['chain', 'sidecar', 'validator', 'dataDir', 'models', 'datasets', 'engine', 'api', 'logLevel', 'verify', 'faults', 'training', 'admission', '$schema', 'comment']);
  for (const k of Object.keys(doc)) if (!known.has(k)) problems.push(`${k}: unknown setting (known: ${[...known].filter((x) => !x.startsWith('$')).join(', ')})`);

  const c = section('chain');
  const chain: ChainConfig = {
    rpc: str(c, 'rpc', 'chain.rpc', DEFAULTS.chain.rpc),
    chainId: str(c, 'chainId', 'chain.chainId', DEFAULTS.chain.chainId),
    gasPrice: str(c, 'gasPrice', 'chain.gasPrice', DEFAULTS.chain.gasPrice),
    pollIntervalMs: int(c, 'pollIntervalMs', 'chain.pollIntervalMs', DEFAULTS.chain.pollIntervalMs, 50, 600_000),
    reconcileIntervalMs: int(c, 'reconcileIntervalMs', 'chain.reconcileIntervalMs', DEFAULTS.chain.reconcileIntervalMs, 100, 3_600_000),
    websocket: bool(c, 'websocket', 'chain.websocket', DEFAULTS.chain.websocket),
  };
  if (!/^https?:\/\/[^/\s]+/.test(chain.rpc)) problems.push(`chain.rpc: "${chain.rpc}" must be an http(s) URL, e.g. http://127.0.0.1:26657`);
  if (!/^\d+(\.\d+)?[a-z][a-z0-9/]{2,127}$/.test(chain.gasPrice)) problems.push(`chain.gasPrice: "${chain.gasPrice}" must be <amount><denom>, e.g. 0.025uinfer`);

  const s = section('sidecar');
  const sidecar: SidecarKeyConfig = {};
  if (s.keyName !== undefined) sidecar.keyName = str(s, 'keyName', 'sidecar.keyName');
  if (s.home !== undefined) sidecar.home = path(str(s, 'home', 'sidecar.home'));
  if (s.mnemonicFile !== undefined) sidecar.mnemonicFile = path(str(s, 'mnemonicFile', 'sidecar.mnemonicFile'));
  if ((sidecar.keyName === undefined) === (sidecar.mnemonicFile === undefined)) {
    problems.push('sidecar: give exactly one of sidecar.keyName (a key made with `inferchain-node keys add`) or sidecar.mnemonicFile');
  }

  const validator = str(doc, 'validator', 'validator');
  if (validator && !BECH32_VALOPER.test(validator)) problems.push(`validator: "${validator}" is not a validator operator address (infervaloper1...)`);

  const dataDir = path(str(doc, 'dataDir', 'dataDir', DEFAULTS.dataDir));

  const models: ServedModel[] = [];
  const rawModels = doc.models ?? [];
  if (!Array.isArray(rawModels)) problems.push('models: must be an array of {contentRoot, dir}');
  else {
    rawModels.forEach((m: unknown, i) => {
      if (!m || typeof m !== 'object') return void problems.push(`models[${i}]: must be an object {contentRoot, dir}`);
      const root = str(m as Json, 'contentRoot', `models[${i}].contentRoot`).toLowerCase();
      if (root && !HEX64.test(root)) problems.push(`models[${i}].contentRoot: "${root}" is not a 64-hex content root`);
      const dir = str(m as Json, 'dir', `models[${i}].dir`);
      if (models.some((x) => x.contentRoot === root)) problems.push(`models[${i}].contentRoot: listed twice`);
      models.push({ contentRoot: root, dir: dir ? path(dir) : '' });
    });
  }
  if (Array.isArray(rawModels) && rawModels.length === 0) problems.push('models: serve at least one model ([{ "contentRoot": "<64 hex>", "dir": "<model dir>" }])');

  const datasets = parseDatasets(doc.datasets, problems, path);
  const engine = parseEngineConfig(doc.engine, problems);

  const a = section('api');
  const api: ApiConfig = {
    host: str(a, 'host', 'api.host', DEFAULTS.api.host),
    port: int(a, 'port', 'api.port', DEFAULTS.api.port, 0, 65535),
  };

  const logLevel = str(doc, 'logLevel', 'logLevel', DEFAULTS.logLevel) as NodeConfig['logLevel'];
  if (!LEVELS.includes(logLevel)) problems.push(`logLevel: must be one of ${LEVELS.join(', ')}`);

  // Audit duty and fault injection (sections parsed in audits/config.ts and faults/config.ts; faults have no env override).
  const verify = doc.verify === undefined ? structuredClone(VERIFY_DEFAULTS) : parseVerifyConfig(doc.verify, problems);
  const faults = doc.faults === undefined ? structuredClone(NO_FAULTS) : parseFaultsConfig(doc.faults, problems, path);

  const training = parseTrainingConfig(doc.training, problems, path, dataDir);
  const admission = doc.admission === undefined ? { ...ADMISSION_DEFAULTS } : parseAdmissionConfig(doc.admission, problems);

  return { chain, sidecar, validator, dataDir, models, datasets, engine, api, logLevel, verify, faults, training, admission };
}
