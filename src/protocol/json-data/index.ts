export { decodeJsonData, encodeJsonData, MAX_DATA_DEPTH, type JsonInput } from '../v2-rest/json-data.js';
export { decodeExactly, parseJson } from '../v2-rest/framing.js';
