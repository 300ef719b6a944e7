import { readFileSync } from 'node:fs';
import { envName, SETTINGS, type ServerConfig, type SettingSpec } from './schema.js';

export class ConfigError extends Error {}

/**
 * Resolves each setting from, in order of precedence: the command line, ONNXSERVE_* variables, the --config
 * file (JSON, keys as flags or camelCase), the default. Validated once and frozen (fastify's habit).
 */
export function loadConfig(cli: Record<string, unknown>, env: NodeJS.ProcessEnv, configFile?: string): ServerConfig {
  const file = configFile ? readConfigFile(configFile) : {};
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    const fromCli = cli[spec.key];
    const fromEnv = env[envName(spec)];
    const fromFile = file[spec.key] ?? file[spec.flag];
    const [raw, source] =
      fromCli !== undefined ? [fromCli, `--${spec.flag}`]
        : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, envName(spec)]
          : fromFile !== undefined ? [fromFile, `${spec.flag} in ${configFile}`]
            : [spec.default, 'default'];
    out[spec.key] = raw === undefined ? undefined : coerce(spec, raw, source);
  }
  return Object.freeze(out) as ServerConfig;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  const known = new Set((SETTINGS as readonly SettingSpec[]).flatMap((s) => [s.key, s.flag]));
  for (const k of Object.keys(parsed)) if (!known.has(k)) throw new ConfigError(`unknown setting '${k}' in ${file}`);
  return parsed as Record<string, unknown>;
}

function coerce(spec: SettingSpec, raw: unknown, source: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw new ConfigError(`${source}: expected a non-empty string`);
      return raw;
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < (spec.min ?? 0)) throw new ConfigError(`${source}: expected an integer ≥ ${spec.min ?? 0}, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
    case 'enum':
      if (typeof raw !== 'string' || !spec.choices!.includes(raw)) throw new ConfigError(`${source}: expected one of ${spec.choices!.join(', ')}, got ${JSON.stringify(raw)}`);
      return raw;
  }
}
