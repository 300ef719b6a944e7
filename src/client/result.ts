/** The answer to one inference, the same object whichever transport carried it. */
import type { Datatype } from './datatypes.js';
import { ClientError } from './errors.js';
import type { OutputTensor, Parameters } from './types.js';

export class InferResult {
  readonly model_name: string;
  readonly model_version: string;
  /** The request's id as echoed by the server; undefined when there was none (gRPC's '' included). */
  readonly id: string | undefined;
  readonly parameters: Parameters;
  readonly outputs: readonly OutputTensor[];

  constructor(fields: { model_name: string; model_version: string; id: string | undefined; parameters: Parameters; outputs: readonly OutputTensor[] }) {
    this.model_name = fields.model_name;
    this.model_version = fields.model_version;
    this.id = fields.id;
    this.parameters = fields.parameters;
    this.outputs = fields.outputs;
  }

  /**
   * The output called `name`. With `datatype`, its data is typed accordingly (`output('y', 'FP32').data` is a
   * Float32Array), checked at run time: a different datatype throws rather than handing back the wrong array.
   */
  output<D extends Datatype = Datatype>(name: string, datatype?: D): OutputTensor<D> {
    const t = this.outputs.find((o) => o.name === name);
    if (!t) {
      throw new ClientError('NOT_FOUND', `the response has no output '${name}' (outputs: ${this.outputs.map((o) => o.name).join(', ') || 'none'})`);
    }
    if (datatype !== undefined && t.datatype !== datatype) {
      throw new ClientError('FAILED_PRECONDITION', `output '${name}' is ${t.datatype}, not ${datatype}`);
    }
    return t as OutputTensor<D>;
  }
}
