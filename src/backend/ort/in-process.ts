import type ort from 'onnxruntime-node';
import type { ModelMetadata } from '../../core/index.js';
import { ServerError } from '../../errors/index.js';
import type { Tensor } from '../../tensor/index.js';
import type { ExecutionProvider, LoadedModel, RunResult, SessionOptions } from '../types.js';
import { toModelMetadata } from './metadata.js';
import { createSession, fromOrt, ioMetadata, shortMessage, toOrt } from './session.js';

/**
 * A session on the main thread: an explicit per-model choice (config.pbtxt parameter `execution_mode:
 * in_process`, or --in-process-models), never the default (DESIGN.md §4). For a model whose run takes
 * microseconds, the two thread hand-offs of a worker cost more than the run and a worker's isolate costs
 * memory; the price is that each run blocks the event loop for its duration, so keep it to tiny models.
 */
export class InProcessModel implements LoadedModel {
  readonly instances = 1;
  private disposed = false;

  private constructor(private readonly session: ort.InferenceSession, readonly metadata: ModelMetadata,
    readonly executionProviders: readonly ExecutionProvider[], readonly warnings: readonly string[]) {}

  static async load(modelPath: string, options: SessionOptions): Promise<InProcessModel> {
    const { instances: _instances, inProcess: _inProcess, ...rest } = options;
    const created = await createSession(modelPath, rest);
    const meta = toModelMetadata(ioMetadata(created.session.inputMetadata), ioMetadata(created.session.outputMetadata));
    const warnings = [...created.warnings];
    if (meta.skippedOutputs.length > 0) warnings.push(`non-tensor outputs not served: ${meta.skippedOutputs.join(', ')}`);
    return new InProcessModel(created.session, { inputs: meta.inputs, outputs: meta.outputs }, created.providers, warnings);
  }

  async run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<RunResult> {
    if (this.disposed) throw new ServerError('UNAVAILABLE', 'model is unloaded');
    const t0 = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = toOrt(t);
    const t1 = process.hrtime.bigint();
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds, [...outputNames]);
    } catch (e) {
      throw new ServerError('INTERNAL', `inference failed: ${shortMessage(e)}`);
    }
    const t2 = process.hrtime.bigint();
    const outputs = outputNames.map((name) => fromOrt(name, results[name]));
    return { outputs, timings: { inputNs: Number(t1 - t0), inferNs: Number(t2 - t1), outputNs: Number(process.hrtime.bigint() - t2) } };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.session.release();
  }
}
