import { isStringData, type Tensor, type TensorData } from '../../tensor/index.js';

/**
 * The buffers that can move to another thread without copying. Only a typed array that owns its whole
 * ArrayBuffer may be transferred: a view into a larger buffer (Node's Buffer pool, a request body) would
 * detach memory that other code still uses, so such tensors are copied to an exact-size buffer first.
 */
export function transferList(tensors: readonly Tensor[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of tensors) {
    if (isStringData(t.data)) continue;
    const buf = t.data.buffer;
    if (buf instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buf.byteLength && !list.includes(buf)) {
      list.push(buf);
    }
  }
  return list;
}

/** The tensor with data that owns its buffer, copying only when it is a view. */
export function detachable(t: Tensor): Tensor {
  const data: TensorData = t.data;
  if (isStringData(data)) return t;
  if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return t;
  return { ...t, data: data.slice() };
}
