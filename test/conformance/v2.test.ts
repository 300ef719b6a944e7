/**
 * The V2 conformance suite: the same cases over REST JSON, REST binary (Triton's binary tensor extension) and
 * gRPC, one real server per transport. Transport-specific framing cases are added to each describe; everything
 * else is written once against the V2Client interface (clients.ts) and asserted identically.
 */
import { after, before, describe } from 'node:test';
import { DATATYPE_FIXTURES } from '../../scripts/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SERVER_OVERRIDES, stopServer } from './lifecycle.js';
import { makeClient, TRANSPORTS, type V2Client } from './clients.js';
import type { Ctx } from './assertions.js';
import { basicCases } from './cases-basic.js';
import { datatypeCases } from './cases-datatypes.js';
import { errorCases } from './cases-errors.js';
import { extensionCases, streamCases } from './cases-extensions.js';
import { grpcFramingCases, restBinaryFramingCases, restJsonFramingCases } from './cases-framing.js';
import { ruleCases, v1RuleCases } from './cases-rules.js';

const MODELS = ['mlp', 'multi_io', 'fixed_shape', 'string_upper', 'classifier', 'add_sub_int64', ...Object.values(DATATYPE_FIXTURES)];

for (const transport of TRANSPORTS) {
  describe(`V2 conformance over ${transport}`, () => {
    let server: TestServer | undefined;
    let client: V2Client | undefined;
    before(async () => {
      server = await startTestServer(MODELS, { grpc: transport === 'grpc', ...SERVER_OVERRIDES });
      client = makeClient(transport, server);
    });
    after(async () => {
      client?.close();
      await stopServer(server);
    });
    const get = (): Ctx => {
      if (!server || !client) throw new Error('the server did not start');
      return { transport, server, client };
    };

    basicCases(get);
    datatypeCases(get, transport);
    errorCases(get);
    ruleCases(get);
    if (transport === 'rest-json') {
      restJsonFramingCases(get);
      v1RuleCases(get);
    }
    if (transport === 'rest-binary') restBinaryFramingCases(get);
    if (transport === 'grpc') {
      grpcFramingCases(get);
      streamCases(get);
    }
    extensionCases(get);
  });
}
