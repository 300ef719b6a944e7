/**
 * Checks manifests against TypeScript types the way `kubectl apply` (strict server-side field validation) checks
 * them against the API's schema: every field must exist in the type at its depth, with the right type, and
 * required fields must be present. kubernetes-models' runtime validators check types and formats but accept
 * unknown fields; its .d.ts files know every field, so each manifest is compiled as a fresh object literal of its
 * type, where TypeScript's excess-property check refuses an unknown field at any depth.
 */
import path from 'node:path';
import ts from 'typescript';

export interface TypedManifest {
  /** Names the manifest in messages, e.g. "deploy/kubernetes/hpa.yaml#0". */
  readonly id: string;
  /** Module specifier of the type, resolved from the repository root (a package subpath or "./test/..."). */
  readonly typeModule: string;
  readonly typeName: string;
  readonly value: unknown;
}

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: [],
};

/** The problems of each manifest, by id (an id with no entry passed). One compilation for all of them. */
export function typeCheck(root: string, manifests: readonly TypedManifest[]): Map<string, string[]> {
  const fileName = path.join(root, '__deploy_manifests__.ts');
  const imports = new Map<string, string>();
  const lines: string[] = [];
  const owners: string[] = [];
  const emit = (text: string, owner: string) => {
    for (const line of text.split('\n')) {
      lines.push(line);
      owners.push(owner);
    }
  };
  for (const m of manifests) {
    const key = `${m.typeModule}#${m.typeName}`;
    if (!imports.has(key)) imports.set(key, `T${imports.size}`);
  }
  for (const [key, alias] of imports) {
    const [mod, name] = key.split('#');
    emit(`import type { ${name} as ${alias} } from ${JSON.stringify(mod)};`, '');
  }
  manifests.forEach((m, i) => {
    emit(`export const m${i}: ${imports.get(`${m.typeModule}#${m.typeName}`)} = ${JSON.stringify(m.value, null, 2)};`, m.id);
  });
  const text = lines.join('\n');

  const host = ts.createCompilerHost(OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    path.resolve(name) === fileName ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === fileName ? text : readFile(name));

  const program = ts.createProgram([fileName], OPTIONS, host);
  const problems = new Map<string, string[]>();
  const add = (owner: string, message: string) => problems.set(owner, [...(problems.get(owner) ?? []), message]);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || path.resolve(d.file.fileName) !== fileName || d.start === undefined) {
      add('(setup)', message);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    add(owners[line] || '(setup)', `${message}\n    at: ${lines[line].trim()}`);
  }
  return problems;
}
