/**
 * The seed's V1 wire format (GoServe), both directions. Requests: `{"inputs": [[...], ...]}` (rows for a
 * single-input model) or `{"inputs": {"<input>": nested array}}`; responses: `{model_name, model_version,
 * outputs: {name: nested}}` plus, for a binary classifier, the seed's predictions/probabilities/is_fraud/confidence.
 */
import { invalidArgument } from '../../errors/index.js';
import type { InferRequest, InferResponse, ModelMetadataResponse, TensorSpec } from '../../core/index.js';
import { elementCount, isStringData, type Tensor } from '../../tensor/index.js';
import { decodeJsonData, encodeJsonData, MAX_DATA_DEPTH } from '../json-data/index.js';

export function decodeV1Request(body: unknown, meta: ModelMetadataResponse, maxElements: number): InferRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument("body must be a JSON object with 'inputs'");
  const inputs = (body as { inputs?: unknown }).inputs;
  if (Array.isArray(inputs)) return { modelName: meta.name, inputs: [rowsInput(inputs, meta, maxElements)] };
  if (typeof inputs === 'object' && inputs !== null) {
    const tensors: Tensor[] = [];
    for (const [name, value] of Object.entries(inputs)) {
      const spec = meta.inputs.find((s) => s.name === name);
      if (!spec) throw invalidArgument(`unknown input '${name}'; the model's inputs are ${meta.inputs.map((s) => `'${s.name}'`).join(', ')}`);
      tensors.push(nestedInput(spec, value, maxElements));
    }
    return { modelName: meta.name, inputs: tensors };
  }
  throw invalidArgument("'inputs' must be an array of rows or an object of named inputs");
}

/** Rows for a model with one input: the seed's form, and its row-length message. */
function rowsInput(rows: unknown[], meta: ModelMetadataResponse, maxElements: number): Tensor {
  if (meta.inputs.length !== 1) {
    throw invalidArgument(`model '${meta.name}' has ${meta.inputs.length} inputs; send {"inputs": {"<name>": [...]}}`);
  }
  const spec = meta.inputs[0];
  if (rows.length === 0) throw invalidArgument("'inputs' is empty");
  const width = spec.shape.length === 2 && spec.shape[1] >= 0 ? spec.shape[1] : undefined;
  const first = Array.isArray(rows[0]) ? rows[0].length : -1;
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw invalidArgument(`Transaction ${i} is not an array of features`);
    const expected = width ?? first;
    if (row.length !== expected) throw invalidArgument(`Transaction ${i} has ${row.length} features, expected ${expected}`);
  });
  return nestedInput(spec, rows, maxElements);
}

function nestedInput(spec: TensorSpec, value: unknown, maxElements: number): Tensor {
  const where = `input '${spec.name}'`;
  const shape = Array.isArray(value) ? inferShape(value) : [];
  const data = Array.isArray(value) ? value : [value];
  const count = elementCount(shape);
  if (count > maxElements) throw invalidArgument(`${where}: ${count} elements exceeds the limit of ${maxElements}`);
  return { name: spec.name, datatype: spec.datatype, shape, data: decodeJsonData({ where, datatype: spec.datatype, shape, count }, data) };
}

/** The shape implied by the first element at each level; decodeJsonData then checks that every level matches. */
function inferShape(value: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    if (shape.length > MAX_DATA_DEPTH) throw invalidArgument(`inputs are nested deeper than ${MAX_DATA_DEPTH} levels`);
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

export function encodeV1Response(res: InferResponse): string {
  let outputs = '';
  for (const t of res.outputs) outputs += `${outputs ? ',' : ''}${JSON.stringify(t.name)}:${nested(t, 0, 0)}`;
  let s = `{"model_name":${JSON.stringify(res.modelName)},"model_version":${JSON.stringify(res.modelVersion)}`;
  const probs = res.outputs.find((t) => t.name === 'probabilities' && t.shape.length === 2 && t.shape[1] === 2 && !isStringData(t.data));
  if (probs) s += classifierFields(probs);
  return `${s},"outputs":{${outputs}}}`;
}

/** The seed's fields for a binary classifier: threshold 0.5 on class 1; confidence is P(class 1), as the seed. */
function classifierFields(t: Tensor): string {
  const p = t.data as Float32Array;
  const n = t.shape[0];
  const pred: string[] = [];
  const fraud: string[] = [];
  const conf: string[] = [];
  for (let i = 0; i < n; i++) {
    const p1 = Number(p[i * 2 + 1]);
    pred.push(p1 > 0.5 ? '1' : '0');
    fraud.push(p1 > 0.5 ? 'true' : 'false');
    conf.push(encodeJsonData({ name: '', datatype: t.datatype, shape: [1], data: p.subarray(i * 2 + 1, i * 2 + 2) }).slice(1, -1));
  }
  return `,"predictions":[${pred.join(',')}],"probabilities":${nested(t, 0, 0)},"is_fraud":[${fraud.join(',')}],"confidence":[${conf.join(',')}]`;
}

/** Nested JSON text of the data from `offset`, following the shape from dim `dim`. */
function nested(t: Tensor, dim: number, offset: number): string {
  const rest = t.shape.slice(dim + 1);
  const inner = elementCount(rest);
  if (rest.length === 0) {
    const count = t.shape.length === 0 ? 1 : t.shape[dim];
    const data = isStringData(t.data) ? t.data.slice(offset, offset + count) : t.data.subarray(offset, offset + count);
    const text = encodeJsonData({ ...t, shape: [count], data });
    return t.shape.length === 0 ? text.slice(1, -1) : text;
  }
  const parts: string[] = [];
  for (let i = 0; i < t.shape[dim]; i++) parts.push(nested(t, dim + 1, offset + i * inner));
  return `[${parts.join(',')}]`;
}
