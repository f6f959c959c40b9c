/**
 * deploy/functions.cjs: the Serverless functions generated from handlers/ and models/<m>/lambda.json.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { zip, image, functionFor } = require('../../deploy/functions.cjs') as {
  zip: () => Record<string, Record<string, unknown>>;
  image: () => Record<string, Record<string, unknown>>;
  functionFor: (model: string, packaging: string, own?: object) => Record<string, unknown>;
};

describe('generated functions', () => {
  it('gives every handler a zip function with TF Serving and KServe V2 routes and an IAM function URL', () => {
    const functions = zip();
    expect(Object.keys(functions).sort()).toEqual(['halfplustwo', 'mnist']);
    expect(functions.mnist).toEqual({
      handler: 'handlers/mnist.handler',
      package: { artifact: '.build/mnist.zip' },
      url: { authorizer: 'aws_iam', cors: false },
      events: [
        { httpApi: { method: 'POST', path: '/v1/models/mnist:predict' } },
        { httpApi: { method: 'GET', path: '/v1/models/mnist' } },
        { httpApi: { method: 'ANY', path: '/v1/models/mnist/{proxy+}' } },
        { httpApi: { method: 'GET', path: '/v2/models/mnist' } },
        { httpApi: { method: 'ANY', path: '/v2/models/mnist/{proxy+}' } },
      ],
    });
  });

  it('applies a model\'s lambda.json', () => {
    expect(zip().halfplustwo).toMatchObject({ memorySize: 512, timeout: 10 });
  });

  it('lets a model opt into a public function URL with CORS, and set provisioned concurrency', () => {
    const fn = functionFor('demo', 'zip', { url: { authorizer: 'none', cors: true }, provisionedConcurrency: 2, memorySize: 3008 });
    expect(fn.url).toEqual({ cors: true });
    expect(fn).toMatchObject({ provisionedConcurrency: 2, memorySize: 3008 });
  });

  it("sets the function's LAMBDA_SERVING_ENGINE from a model's engine (packaging stages for the same one)", () => {
    expect(functionFor('demo', 'zip', { engine: 'tfjs' }).environment).toEqual({ LAMBDA_SERVING_ENGINE: 'tfjs' });
    expect(functionFor('demo', 'zip', {}).environment).toBeUndefined();
  });

  it('points image functions at the one image with a CMD per handler', () => {
    expect(image().mnist).toMatchObject({ image: { name: 'lambdaserving', command: ['handlers/mnist.handler'] } });
    expect(image().mnist.handler).toBeUndefined();
  });
});
