import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { datatypeFromOrt } from '../tensor/index.js';

export interface Inspection {
  readonly file: string;
  readonly irVersion: number;
  readonly producer: string;
  readonly opsets: { domain: string; version: number }[];
  readonly inputs: { name: string; datatype: string; shape: (number | string)[] }[];
  readonly outputs: { name: string; datatype: string; shape: (number | string)[] }[];
}

/** Reads the model's header with ONNX's protobuf definitions and its I/O from an ORT session. */
export async function inspectModel(file: string): Promise<Inspection> {
  const bytes = await readFile(file);
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const session = await ort.InferenceSession.create(bytes);
  const io = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    list.map((m) => ({
      name: m.name,
      datatype: m.isTensor ? (datatypeFromOrt(m.type) ?? m.type) : 'non-tensor',
      shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d))) : [],
    }));
  const result: Inspection = {
    file,
    irVersion: Number(model.irVersion),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsets: model.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version) })),
    inputs: io(session.inputMetadata),
    outputs: io(session.outputMetadata),
  };
  await session.release();
  return result;
}

export function formatInspection(r: Inspection): string {
  const line = (t: Inspection['inputs'][number]) => `  ${t.name}  ${t.datatype}  [${t.shape.join(', ')}]\n`;
  return `${r.file}\n  ir_version ${r.irVersion}${r.producer ? `, producer ${r.producer}` : ''}\n` +
    `opsets:\n${r.opsets.map((o) => `  ${o.domain} ${o.version}\n`).join('')}` +
    `inputs:\n${r.inputs.map(line).join('')}outputs:\n${r.outputs.map(line).join('')}`;
}
