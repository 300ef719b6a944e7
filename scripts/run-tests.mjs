// Runs every compiled test file with node's test runner. Node 20's --test takes no globs, so the files are
// listed here: unit tests next to their modules (dist/src/**/*.test.js) and server tests (dist/test/**/*.test.js).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...collect('dist/src'), ...collect('dist/test')].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((s) => f.includes(s)));
// Server tests start workers and listen on ports: two at a time suits this 2-core machine.
const args = ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
