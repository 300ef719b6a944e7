/**
 * The seed's V1 wire format (GoServe), both directions. Requests: `{"inputs": [[...], ...]}` (rows for a
 * single-input model) or `{"inputs": {"<input>": nested array}}`; responses: `{model_name, model_version,
 * outputs: {name: nested}}` plus, for a binary classifier, the seed's predictions/probabilities/is_fraud/confidence.
 */
import { invalidArgument } from '../../errors/index.js';
import { checkShape, type InferRequest, type InferResponse, type ModelMetadataResponse, type TensorSpec } from '../../core/index.js';
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
  // Core's rank and element limits, before the nested data is converted.
  const count = checkShape(shape, where, maxElements);
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
  let classifier = '';
  for (const t of res.outputs) {
    const text = nestedText(t);
    outputs += `${outputs ? ',' : ''}${JSON.stringify(t.name)}:${text}`;
    if (t.name === 'probabilities' && t.shape.length === 2 && t.shape[1] === 2 && !isStringData(t.data)) classifier = classifierFields(t, text);
  }
  return `{"model_name":${JSON.stringify(res.modelName)},"model_version":${JSON.stringify(res.modelVersion)}${classifier},"outputs":{${outputs}}}`;
}

/** The seed's fields for a binary classifier: threshold 0.5 on class 1; confidence is P(class 1), as the seed. */
function classifierFields(t: Tensor, probabilitiesText: string): string {
  const p = t.data as Float32Array;
  const n = t.shape[0];
  let pred = '';
  let fraud = '';
  let conf = '';
  for (let i = 0; i < n; i++) {
    const p1 = Number(p[i * 2 + 1]);
    const sep = i ? ',' : '';
    pred += sep + (p1 > 0.5 ? '1' : '0');
    fraud += sep + (p1 > 0.5 ? 'true' : 'false');
    conf += sep + number(p1);
  }
  return `,"predictions":[${pred}],"probabilities":${probabilitiesText},"is_fraud":[${fraud}],"confidence":[${conf}]`;
}

/** A JSON number, or the V2 codec's string form for NaN/±Infinity, and -0.0 for negative zero. */
function number(v: number): string {
  if (Number.isFinite(v)) return v === 0 && 1 / v < 0 ? '-0.0' : String(v);
  return `"${v}"`;
}

/**
 * Nested JSON text of a tensor, built by joining the innermost rows: no intermediate nested arrays. Numeric rows
 * whose values are all plain numbers use the native join; anything else goes through the V2 JSON writer.
 */
function nestedText(t: Tensor): string {
  if (t.shape.length === 0) return encodeJsonData({ ...t, shape: [1] }).slice(1, -1);
  const inner = t.shape[t.shape.length - 1];
  const plainRows = !isStringData(t.data) && t.datatype !== 'BOOL' && t.datatype !== 'FP16' && allPlain(t.data);
  const row = (offset: number): string => {
    if (plainRows) return `[${(t.data as Float32Array).subarray(offset, offset + inner).join(',')}]`;
    const data = isStringData(t.data) ? t.data.slice(offset, offset + inner) : t.data.subarray(offset, offset + inner);
    return encodeJsonData({ ...t, shape: [inner], data });
  };
  const level = (dim: number, offset: number): string => {
    if (dim === t.shape.length - 1) return row(offset);
    const stride = elementCount(t.shape.slice(dim + 1));
    let out = '[';
    for (let i = 0; i < t.shape[dim]; i++) out += (i ? ',' : '') + level(dim + 1, offset + i * stride);
    return `${out}]`;
  };
  return level(0, 0);
}

function allPlain(data: Exclude<Tensor['data'], string[]>): boolean {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return true;
  const d = data as Float64Array;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return false;
  }
  return true;
}
