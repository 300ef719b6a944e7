/**
 * Catalogue section B (reliability-anchors.md §3): V2 inference semantics in JSON, plus the model-name attacks
 * (case 19) on every route where a name becomes a lookup or a path.
 */
import assert from 'node:assert/strict';
import {
  grpcCall, httpRequest, mlpBody, postJson, postText, type Answer, type Case, type Ctx, type NotHere,
} from './harness.js';

const infer = (model: string, body: unknown) => (c: Ctx): Promise<Answer> => postJson(c, `/v2/models/${model}/infer`, body);
const inferText = (model: string, text: string) => (c: Ctx): Promise<Answer> => postText(c, `/v2/models/${model}/infer`, text);
const x = (over: Record<string, unknown>) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4], ...over }] });
const id0 = (datatype: string, data: unknown[]) => ({ inputs: [{ name: 'INPUT0', datatype, shape: [1, data.length], data }] });
const xText = (shapeText: string, data = '[1,2,3,4]') => `{"inputs":[{"name":"x","datatype":"FP32","shape":${shapeText},"data":${data}}]}`;
const grpcInfer = (model: string, version = '') => (c: Ctx): Promise<Answer> => grpcCall(c.grpcClient!, 'ModelInfer', {
  model_name: model, model_version: version,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }],
});

/** Names that must never reach the filesystem (Triton PRs #8400/#8672, MLflow's encoded-traversal bypasses). */
const HOSTILE_NAMES: readonly (readonly [string, string])[] = [
  ['a', '..'], ['b', '%2e%2e'], ['c', '%252e%252e'], ['d', '..%2f..%2fetc'], ['e', 'a%5c..%5cb'], ['f', 'x%00y'], ['g', 'n'.repeat(300)],
];
const NAME_REFUSED = /invalid model (name|version)|unknown model|not found|not in the model repository|no route/;
/** A name longer than the router's parameter limit: 414 is fine too, as long as the body says what is wrong. */
const TOO_LONG = /too long|length|invalid model name/i;

const nameCases: Case[] = HOSTILE_NAMES.flatMap(([v, name]): Case[] => {
  const expect = name.length > 256 ? { status: [400, 404, 414], error: TOO_LONG } : { status: [400, 404], error: NAME_REFUSED };
  const label = name.length > 20 ? `of ${name.length} characters` : name;
  return [
    { id: `19.${v}1`, title: `model name ${label} on infer`, send: (c) => postJson(c, `/v2/models/${name}/infer`, mlpBody()), expect },
    { id: `19.${v}2`, title: `model name ${label} on repository load`, send: (c) => postText(c, `/v2/repository/models/${name}/load`, ''), expect },
    { id: `19.${v}3`, title: `model name ${label} on V1 DELETE`, send: (c) => httpRequest(c.port, 'DELETE', `/v1/models/${name}`), expect },
  ];
});

export const INFERENCE_CASES: readonly Case[] = [
  { id: '17.a', title: 'unknown model (REST)', send: infer('nope', mlpBody()), expect: { status: 404, error: /'nope'/ } },
  { id: '17.b', title: 'unknown model (gRPC)', send: grpcInfer('nope'), expect: { grpc: 'NOT_FOUND', error: /'nope'/ } },
  { id: '18.a', title: 'unknown version (REST)', send: (c) => postJson(c, '/v2/models/mlp/versions/7/infer', mlpBody()),
    expect: { status: 404, error: /version '?7'?/ } },
  { id: '18.b', title: 'unknown version (gRPC)', send: grpcInfer('mlp', '7'), expect: { grpc: 'NOT_FOUND', error: /version '?7'?/ } },
  ...nameCases,
  { id: '19.h', title: 'V1 load with a traversal name', send: (c) => postJson(c, '/v1/models', { name: '../../etc', path: 'extra/copy.onnx' }),
    expect: { status: 400, error: /invalid model name/ } },
  { id: '19.i', title: 'gRPC RepositoryModelLoad with a traversal name', send: (c) => grpcCall(c.grpcClient!, 'RepositoryModelLoad', { model_name: '../../etc' }),
    expect: { grpc: 'INVALID_ARGUMENT', error: /invalid model name/ } },
  { id: '20.a', title: 'GET /v2/models/__proto__', send: (c) => httpRequest(c.port, 'GET', '/v2/models/__proto__'),
    expect: { status: 404, error: /__proto__/ } },
  { id: '20.b', title: 'GET /v2/models/constructor/ready', send: (c) => httpRequest(c.port, 'GET', '/v2/models/constructor/ready'),
    expect: { status: [400, 404], check: (a) => assert.equal(a.body?.ready, false, a.text) } },
  { id: '20.c', title: 'POST /v2/models/hasOwnProperty/infer', send: infer('hasOwnProperty', mlpBody()),
    expect: { status: 404, error: /hasOwnProperty/ } },
  { id: '20.d', title: 'GET /v1/models/__proto__', send: (c) => httpRequest(c.port, 'GET', '/v1/models/__proto__'),
    expect: { status: 404, error: /__proto__/ } },
  { id: '20.e', title: 'POST /v1/models/constructor/infer', send: (c) => postJson(c, '/v1/models/constructor/infer', { inputs: [[1, 2, 3, 4]] }),
    expect: { status: 404, error: /constructor/ } },
  { id: '20.f', title: 'an input named __proto__', send: infer('mlp', { inputs: [{ name: '__proto__', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
    expect: { status: 400, error: /unknown input '__proto__'/ } },
  { id: '21.a', title: 'a model that failed to load answers 503', send: infer('broken', mlpBody()),
    expect: { status: 503, error: /'broken'.*(not ready|no ready version|unavailable)/i } },
  { id: '21.b', title: 'readiness of a model that failed to load', send: (c) => httpRequest(c.port, 'GET', '/v2/models/broken/ready'),
    expect: { status: [200, 400, 404, 503], check: (a) => assert.equal(a.body?.ready, false, a.text) } },
  { id: '22', title: 'missing required input', send: infer('multi_io', { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }),
    expect: { status: 400, error: /missing.*'?b'?/ } },
  { id: '23', title: 'an input the model does not have', send: infer('multi_io', { inputs: ['a', 'b', 'z'].map((name) => ({ name, datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] })) }),
    expect: { status: 400, error: /unknown input 'z'/ } },
  { id: '24.a', title: 'the same input twice', send: infer('mlp', { inputs: [x({}).inputs[0], x({}).inputs[0]] }),
    expect: { status: 400, error: /duplicate input 'x'|'x'.*more than once/ } },
  { id: '24.b', title: 'the same requested output twice', send: infer('mlp', { ...x({}), outputs: [{ name: 'y' }, { name: 'y' }] }),
    expect: { status: 400, error: /duplicate output 'y'|'y'.*more than once/ } },
  { id: '25', title: 'FP64 for an FP32 input', send: infer('mlp', x({ datatype: 'FP64' })),
    expect: { status: 400, error: /input 'x'.*(FP32.*FP64|FP64.*FP32)/ } },
  ...['FLOAT', 'fp32', ''].map((dt, i): Case => ({
    id: `26.${'abc'[i]}`, title: `datatype ${JSON.stringify(dt)}`, send: infer('mlp', x({ datatype: dt })),
    expect: { status: 400, error: /unsupported datatype/ },
  })),
  { id: '27', title: 'shape [2,4] with 7 values', send: infer('mlp', x({ shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7] })),
    expect: { status: 400, error: /input 'x'.*\[2,4\].*8.*7/ } },
  { id: '28.a', title: 'a fixed dim that differs ([1,7] for [-1,4])', send: infer('mlp', x({ shape: [1, 7], data: [1, 2, 3, 4, 5, 6, 7] })),
    expect: { status: 400, error: /input 'x'.*\[-1,4\]/ } },
  { id: '28.b', title: 'the wrong rank', send: infer('mlp', x({ shape: [4] })), expect: { status: 400, error: /input 'x'.*(rank|shape)/ } },
  { id: '29', title: 'negative dim', send: infer('mlp', x({ shape: [2, -5] })), expect: { status: 400, error: /non-negative/ } },
  ...['2.5', '"3"', '1e400', '9007199254740993'].map((d, i): Case => ({
    id: `30.${'abcd'[i]}`, title: `dim ${d}`, send: inferText('mlp', xText(`[1,${d}]`)), expect: { status: 400, error: /dim.*non-negative integer/ },
  })),
  { id: '31.a', title: 'shape [16, 2^60+2]', send: inferText('mlp', xText('[16,1152921504606846978]', '[]')),
    expect: { status: 400, error: /dim|limit|exceeds/ } },
  { id: '31.b', title: 'safe dims whose product overflows ([65536,65536,65536,65536])', send: infer('mlp', x({ shape: [65536, 65536, 65536, 65536], data: [] })),
    expect: { status: 400, error: /limit|exceeds/ } },
  { id: '32.a', title: 'a legal shape over the element limit ([1, 2^31] FP32, JSON)', send: infer('mlp', x({ shape: [1, 2 ** 31], data: [] })),
    expect: { status: [400, 413], error: /limit|exceeds/ } },
  { id: '32.b', title: 'the same declared as binary data', send: (c) => {
    const header = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2 ** 31], parameters: { binary_data_size: 2 ** 33 } }] });
    return postText(c, '/v2/models/mlp/infer', header, { 'inference-header-content-length': String(header.length) });
  }, expect: { status: [400, 413], error: /limit|exceeds/ } },
  { id: '33', title: 'zero-sized dim [0,4]: an empty answer or a named 400', send: infer('mlp', x({ shape: [0, 4], data: [] })),
    expect: { status: [200, 400], check: (a) => {
      if (a.status === 200) assert.deepEqual(a.body.outputs[0].shape, [0, 3]);
      else assert.match(a.body.error, /empty|zero|0/);
    } } },
  { id: '34.a', title: '300 for UINT8', send: infer('identity_uint8', id0('UINT8', [1, 300])), expect: { status: 400, error: /'INPUT0'.*element 1/ } },
  { id: '34.b', title: '1.5 for INT32', send: infer('identity_int32', id0('INT32', [1, 1.5])), expect: { status: 400, error: /'INPUT0'.*element 1/ } },
  { id: '34.c', title: '"abc" for FP32', send: infer('identity_fp32', id0('FP32', [1, 'abc'])), expect: { status: 400, error: /'INPUT0'.*element 1/ } },
  { id: '34.d', title: 'null for FP32', send: infer('identity_fp32', id0('FP32', [null, 1])), expect: { status: 400, error: /'INPUT0'.*element 0/ } },
  { id: '34.e', title: '2 for BOOL', send: infer('identity_bool', id0('BOOL', [true, 2])), expect: { status: 400, error: /'INPUT0'.*element 1/ } },
  // tritonclient sends 64-bit integers as JSON numbers with every digit; Triton reads them exactly, and so do we.
  { id: '35.a', title: 'INT64 above 2^53 as a JSON number round-trips exactly', send: inferText('identity_int64', '{"inputs":[{"name":"INPUT0","datatype":"INT64","shape":[1,1],"data":[9007199254740993]}]}'),
    expect: { status: 200, check: (a) => assert.match(a.text, /\b9007199254740993\b/) } },
  { id: '35.b', title: 'INT64 above 2^53 as a decimal string round-trips exactly', send: infer('identity_int64', id0('INT64', ['9007199254740993'])),
    expect: { status: 200, check: (a) => assert.match(a.text, /\b9007199254740993\b/) } },
  { id: '36', title: 'FP16 in JSON', send: infer('identity_fp16', id0('FP16', [1, 2])), expect: { status: 400, error: /FP16/ } },
  // No config.pbtxt: the auto-completed max_batch_size (64) sizes batches, it does not cap a request (issue 12);
  // an explicit max_batch_size is enforced (test/conformance/cases-triton.ts).
  { id: '37', title: 'a batch larger than the auto-completed max_batch_size (65 > 64) runs on its own', send: infer('mlp', x({ shape: [65, 4], data: new Array(260).fill(0) })),
    expect: { status: 200, check: (a) => assert.deepEqual(a.body.outputs[0].shape, [65, 3]) } },
  { id: '38', title: 'a requested output that does not exist', send: infer('mlp', { ...x({}), outputs: [{ name: 'z' }] }),
    expect: { status: 400, error: /unknown output 'z'/ } },
  { id: '39', title: '10,000 inputs', send: infer('mlp', { inputs: Array.from({ length: 10_000 }, (_, i) => ({ name: `x${i}`, datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] })) }),
    expect: { status: 400, error: /input/, maxMs: 2000 } },
  { id: '40.a', title: 'timeout parameter "soon"', send: infer('mlp', { ...x({}), parameters: { timeout: 'soon' } }), expect: { status: 400, error: /timeout/ } },
  { id: '40.b', title: 'binary_data_output 5', send: infer('mlp', { ...x({}), parameters: { binary_data_output: 5 } }), expect: { status: 400, error: /binary_data_output/ } },
  { id: '40.c', title: 'parameters that are not an object', send: infer('mlp', { ...x({}), parameters: 'fast' }), expect: { status: 400, error: /parameters/ } },
  { id: '40.d', title: 'a parameter value that is an object', send: infer('mlp', { ...x({}), parameters: { nested: { a: 1 } } }), expect: { status: 400, error: /nested/ } },
  // Core checks Triton's reserved parameters by type (core/parameters.ts; conformance cases-rules.ts has the rows).
  { id: '40.e', title: '"priority": -1', send: infer('mlp', { ...x({}), parameters: { priority: -1 } }), expect: { status: 400, error: /priority/ } },
];

export const INFERENCE_NOT_HERE: readonly NotHere[] = [
  { id: '34 (BOOL 0/1)', title: '0/1 for BOOL', reason: 'onnxserve accepts 0 and 1 as BOOL in JSON on purpose (src/protocol/v2-rest/json-data.ts fillBools); 2 and strings are refused (34.e)' },
];
