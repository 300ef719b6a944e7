import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The client must load without the server: every module it reaches, following relative imports from its entry,
 * stays in src/client, the pure src/tensor or src/errors (the ServerError the tensor codecs throw; no imports of
 * its own), and the only packages it names are Node's and gRPC's.
 */
test('the client reaches no server module and no package beyond node: and @grpc/*', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..');
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(path.join(here, 'index.js'));
  const outside = [...seen].map((f) => path.relative(root, f)).filter((f) => !f.startsWith(`client${path.sep}`) && !f.startsWith(`tensor${path.sep}`) && f !== path.join('errors', 'index.js'));
  assert.ok(seen.has(path.join(here, 'grpc-stream.js')) && seen.has(path.join(root, 'tensor', 'datatype.js')), 'the walk follows imports');
  assert.deepEqual(outside, []);
  assert.deepEqual([...packages].filter((p) => !p.startsWith('node:') && !p.startsWith('@grpc/')), []);
});
