/**
 * Package integrity (issue 10 item 8): what `npm pack` ships, and whether a copy installed the way a user gets it
 * works. Offline by construction: the tarball is extracted into a temporary app's node_modules and its own
 * dependencies resolve through a symlink to this checkout's node_modules, so nothing is fetched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve('.');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; main: string; types: string; bin: Record<string, string>; dependencies: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
};

/** npm itself: the one running `npm test` when there is one, else the npm on PATH. */
function npm(args: string[], cwd: string): string {
  const env = { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
  const cli = process.env.npm_execpath;
  const r = cli && cli.endsWith('.js')
    ? spawnSync(process.execPath, [cli, ...args], { cwd, env, encoding: 'utf8' })
    : spawnSync('npm', args, { cwd, env, encoding: 'utf8', shell: process.platform === 'win32' });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [file, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('the npm package', () => {
  let tmp: string;
  let files: string[];
  let app: string;
  let installed: string;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'onnxserve-pack-'));
    // --ignore-scripts: `npm test` has just built dist/; prepack would clean and rebuild it, tests included.
    const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT)) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path).sort();
    app = path.join(tmp, 'app');
    installed = path.join(app, 'node_modules', PKG.name);
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tmp, packed.filename), '-C', installed, '--strip-components=1']);
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(installed, 'node_modules'), 'dir');
    symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(app, 'node_modules', '@types'), 'dir');
    // A consumer project of its own, with a version of its own (npx and npm run set npm_package_version to it).
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '9.9.9', type: 'module', private: true }));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the tarball holds the library, its declarations, the bin and proto/, and no tests', () => {
    assert.deepEqual(files.filter((f) => /\.test\.|(^|\/)test\//.test(f)), [], 'compiled tests are not shipped');
    assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/src/')), [], 'only dist/src is shipped');
    const entry = PKG.exports['.'] as { types: string; default: string };
    for (const f of [PKG.main, PKG.types, entry.default, entry.types, PKG.bin.onnxserve, 'proto/grpc_service.proto', 'proto/model_config.proto', 'package.json']) {
      assert.ok(files.includes(f.replace(/^\.\//, '')), `${f} is in the tarball`);
    }
    assert.ok(files.includes('dist/src/server/server.d.ts'), 'declarations for the modules the entry refers to');
    // Every compiled file has its source: nothing stale from a module that was deleted or moved.
    for (const f of files.filter((x) => x.endsWith('.js'))) {
      const source = path.join(ROOT, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      assert.ok(existsSync(source), `${f} has no source ${path.relative(ROOT, source)}`);
    }
  });

  // The installed copy below resolves through this checkout's node_modules, devDependencies included, so it would
  // not notice shipped code that needs one: the imports are checked against `dependencies` here.
  test('shipped code and declarations import only dependencies and node builtins', () => {
    const deps = new Set(Object.keys(PKG.dependencies));
    const bad: string[] = [];
    for (const f of files.filter((x) => /\.(js|d\.ts)$/.test(x))) {
      const text = readFileSync(path.join(installed, f), 'utf8');
      // Top-level import/export statements (they start a line in emitted code), side-effect imports, and import()
      // calls and types; not words in comments.
      const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm), ...text.matchAll(/^import\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)];
      for (const m of specs) {
        const spec = m[1];
        if (spec.startsWith('.') || spec.startsWith('node:') || isBuiltin(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!deps.has(name)) bad.push(`${f}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('the installed entry imports, starts a server from its own files, and hides the internals', () => {
    const repo = path.join(tmp, 'empty-repo');
    mkdirSync(repo);
    writeFileSync(path.join(app, 'main.mjs'), `
      import * as lib from 'onnxserve';
      const config = lib.loadConfig({ modelRepository: ${JSON.stringify(repo)}, httpPort: 0, grpcPort: 0, host: '127.0.0.1', logLevel: 'silent' }, {});
      const server = await lib.startServer(config);
      const meta = await (await fetch('http://127.0.0.1:' + server.httpPort + '/v2')).json();
      const ready = (await fetch('http://127.0.0.1:' + server.httpPort + '/v2/health/ready')).status;
      await server.close();
      let deep;
      try { await import('onnxserve/dist/src/server/server.js'); deep = 'importable'; } catch (e) { deep = e.code; }
      console.log(JSON.stringify({
        exports: Object.keys(lib).sort(), meta, ready, grpc: server.grpcPort > 0, deep,
        service: server.service instanceof lib.InferenceService, error: new lib.ServerError('NOT_FOUND', 'x').code,
      }));
    `);
    const r = run('main.mjs', [], app);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual(out.exports, ['ConfigError', 'DATATYPES', 'ERROR_CODES', 'EXTENSIONS', 'InferenceService', 'SETTINGS', 'ServerError', 'loadConfig', 'startServer']);
    assert.deepEqual(out.meta, { name: 'onnxserve', version: PKG.version, extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics', 'parameters'] });
    assert.equal(out.ready, 200);
    assert.equal(out.grpc, true, 'gRPC started: the shipped proto/ was found');
    assert.equal(out.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    assert.equal(out.service, true);
    assert.equal(out.error, 'NOT_FOUND');
  });

  test('a TypeScript consumer type-checks against the shipped declarations', () => {
    writeFileSync(path.join(app, 'consumer.ts'), `
      import { loadConfig, startServer, InferenceService, ServerError, type Backend, type ErrorCode, type RunningServer,
        type ServerConfig, type Tensor } from 'onnxserve';
      const config: ServerConfig = loadConfig({ httpPort: 0 }, {});
      const port: number = config.httpPort;
      const backend: Backend = { load: async () => { throw new ServerError('UNAVAILABLE', 'no models here'); } };
      export const running: Promise<RunningServer> = startServer(config, { backend });
      export const isService = (s: RunningServer): boolean => s.service instanceof InferenceService;
      const code: ErrorCode = 'NOT_FOUND';
      export const t: Tensor = { name: 'x', datatype: 'FP32', shape: [1], data: Float32Array.of(port) };
      export { code };
      // @ts-expect-error internals are not part of the package's exports
      export const internal = import('onnxserve/dist/src/server/server.js');
    `);
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'],
        types: ['node'], skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }));
    const r = run(path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', 'tsconfig.json'], app);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  test('the bin prints onnxserve\'s own version, not the version of the project it runs in', () => {
    const r = run(path.join(installed, PKG.bin.onnxserve), ['--version'], app, { npm_package_version: '9.9.9' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), PKG.version);
  });
});
