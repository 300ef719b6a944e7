import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanModel, scanRepository, type ModelSource } from './scan.js';

// The scan only looks at names and files; it never parses a model, so placeholder bytes stand in for ONNX files.
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A repository from a table of relative file paths (a trailing '/' makes a directory). */
function repo(files: readonly string[]): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'onnxserve-scan-')));
  made.push(root);
  for (const f of files) {
    const p = path.join(root, f);
    if (f.endsWith('/')) {
      mkdirSync(p, { recursive: true });
    } else {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, f.endsWith('config.pbtxt') ? 'name: "original"\n' : 'onnx');
    }
  }
  return root;
}

function summary(sources: Map<string, ModelSource>, root: string): Record<string, { versions: Record<string, string>; renamedFrom?: string; config: boolean }> {
  const out: Record<string, { versions: Record<string, string>; renamedFrom?: string; config: boolean }> = {};
  for (const [name, src] of sources) {
    const versions: Record<string, string> = {};
    for (const [v, file] of src.versions) versions[v] = path.relative(root, file);
    out[name] = { versions, config: src.configText !== undefined, ...(src.renamedFrom !== undefined ? { renamedFrom: src.renamedFrom } : {}) };
  }
  return out;
}

describe('scanRepository with --model-name', () => {
  // Each row: a repository's files, then what --model-name "fraud" serves from it.
  const cases: { what: string; files: string[]; served: ReturnType<typeof summary> }[] = [
    {
      what: 'KServe with storageUri naming a file: a single model.onnx at the top',
      files: ['model.onnx'],
      served: { fraud: { versions: { 1: 'model.onnx' }, renamedFrom: 'model', config: false } },
    },
    {
      what: 'any single <name>.onnx at the top (the seed\'s flat layout)',
      files: ['fraud_detector.onnx'],
      served: { fraud: { versions: { 1: 'fraud_detector.onnx' }, renamedFrom: 'fraud_detector', config: false } },
    },
    {
      what: 'the repository is one model\'s directory: version folders and a config.pbtxt',
      files: ['config.pbtxt', '1/model.onnx', '2/model.onnx'],
      served: { fraud: { versions: { 1: '1/model.onnx', 2: '2/model.onnx' }, renamedFrom: '', config: true } },
    },
    {
      what: 'one version folder and nothing else',
      files: ['1/model.onnx'],
      served: { fraud: { versions: { 1: '1/model.onnx' }, renamedFrom: '', config: false } },
    },
    {
      what: 'Triton\'s layout with a single model under another name (KServe\'s Triton-style storage)',
      files: ['style/config.pbtxt', 'style/1/model.onnx'],
      served: { fraud: { versions: { 1: 'style/1/model.onnx' }, renamedFrom: 'style', config: true } },
    },
    {
      what: 'a volume root with lost+found beside the model',
      files: ['lost+found/', 'model.onnx'],
      served: { fraud: { versions: { 1: 'model.onnx' }, renamedFrom: 'model', config: false } },
    },
    {
      what: 'the single model already carries the name: nothing is renamed',
      files: ['fraud/1/model.onnx'],
      served: { fraud: { versions: { 1: 'fraud/1/model.onnx' }, config: false } },
    },
    {
      what: 'several models: served under their own names',
      files: ['a.onnx', 'b/1/model.onnx'],
      served: { a: { versions: { 1: 'a.onnx' }, config: false }, b: { versions: { 1: 'b/1/model.onnx' }, config: false } },
    },
    {
      what: 'several models, one of them the named one: served as they are',
      files: ['fraud.onnx', 'other.onnx'],
      served: { fraud: { versions: { 1: 'fraud.onnx' }, config: false }, other: { versions: { 1: 'other.onnx' }, config: false } },
    },
    {
      what: 'an empty repository',
      files: [],
      served: {},
    },
  ];
  for (const c of cases) {
    test(c.what, async () => {
      const root = repo(c.files);
      assert.deepEqual(summary(await scanRepository(root, { modelName: 'fraud' }), root), c.served);
    });
  }

  test('without --model-name the names come from the files, as before', async () => {
    const root = repo(['model.onnx']);
    assert.deepEqual(summary(await scanRepository(root), root), { model: { versions: { 1: 'model.onnx' }, config: false } });
    // A bare version folder is no model of its own without --model-name ('1' holds no version folders).
    const dir = repo(['1/model.onnx']);
    assert.deepEqual(summary(await scanRepository(dir), dir), {});
  });

  test('a version folder whose model file links out of the repository is refused', async () => {
    const outside = repo(['model.onnx']);
    const root = repo(['1/']);
    symlinkSync(path.join(outside, 'model.onnx'), path.join(root, '1', 'model.onnx'));
    assert.deepEqual(summary(await scanRepository(root, { modelName: 'fraud' }), root), {});
  });

  test('scanModel finds the model by the chosen name only', async () => {
    const root = repo(['style/config.pbtxt', 'style/1/model.onnx']);
    const opts = { modelName: 'fraud' };
    assert.equal((await scanModel(root, 'fraud', undefined, opts))?.versions.size, 1);
    assert.equal(await scanModel(root, 'style', undefined, opts), undefined);
    assert.equal((await scanModel(root, 'style'))?.name, 'style');
  });
});
