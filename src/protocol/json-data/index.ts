export { decodeJsonData, encodeJsonData, MAX_DATA_DEPTH, type JsonInput } from '../v2-rest/json-data.js';
export { parseJson } from '../v2-rest/framing.js';
