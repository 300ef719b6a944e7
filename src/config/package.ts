import { readFileSync } from 'node:fs';

/**
 * onnxserve's own version, from the package.json beside the installed code (dist/src/config/ → the package
 * root), never the working directory's: `npx onnxserve --version` run inside another project must not print that
 * project's version (npm_package_version is the cwd package's under npm and npx).
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
