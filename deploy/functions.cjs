// One Lambda function per handlers/<model>.ts, generated so adding a model means adding a handler
// file (and, optionally, models/<model>/lambda.json for its settings). Serverless v3 loads this
// with require(), hence CommonJS.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/**
 * Per-model settings, all optional (models/<model>/lambda.json):
 * { "memorySize": 1024, "timeout": 29, "provisionedConcurrency": 0, "ephemeralStorageSize": 512,
 *   "url": { "authorizer": "aws_iam" | "none", "cors": true | { ... } },
 *   "engine": "auto" | "onnxruntime" | "tfjs" }
 * `engine` becomes the function's LAMBDA_SERVING_ENGINE; packaging (scripts/stage-models.ts) stages
 * the model for the engine the same field picks.
 */
function settings(model) {
  const file = path.join(root, 'models', model, 'lambda.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}

/**
 * @param packaging 'zip' (a zip per model) or 'image' (one container image, CMD per model)
 * @param own the model's settings (default: its lambda.json)
 */
function functionFor(model, packaging, own = settings(model)) {
  const url = own.url ?? {};
  const fn = {
    ...(packaging === 'image'
      ? { image: { name: 'lambdaserving', command: [`handlers/${model}.handler`] } }
      : { handler: `handlers/${model}.handler`, package: { artifact: `.build/${model}.zip` } }),
    // Function URLs need IAM-signed requests unless a model opts out with "authorizer": "none".
    url: url.authorizer === 'none' ? { cors: url.cors ?? false } : { authorizer: 'aws_iam', cors: url.cors ?? false },
    events: [
      { httpApi: { method: 'POST', path: `/v1/models/${model}:predict` } },
      { httpApi: { method: 'GET', path: `/v1/models/${model}` } },
      // /versions/<v>[:predict|/metadata], /labels/<l>..., /metadata: the router parses the rest.
      { httpApi: { method: 'ANY', path: `/v1/models/${model}/{proxy+}` } },
      // KServe V2: metadata, /ready, /infer, /versions/<v>/... . The server-wide /v2 and
      // /v2/health/* routes belong to no one model: each function URL answers them.
      { httpApi: { method: 'GET', path: `/v2/models/${model}` } },
      { httpApi: { method: 'ANY', path: `/v2/models/${model}/{proxy+}` } },
    ],
  };
  for (const key of ['memorySize', 'timeout', 'provisionedConcurrency', 'ephemeralStorageSize']) {
    if (own[key] !== undefined) fn[key] = own[key];
  }
  if (own.engine !== undefined) fn.environment = { LAMBDA_SERVING_ENGINE: own.engine };
  return fn;
}

function functions(packaging) {
  const models = fs
    .readdirSync(path.join(root, 'handlers'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  return Object.fromEntries(models.map((model) => [model.replace(/[^A-Za-z0-9]/g, ''), functionFor(model, packaging)]));
}

// serverless.yml: ${file(./deploy/functions.cjs):zip}; serverless.image.yml: ...:image
module.exports = { zip: () => functions('zip'), image: () => functions('image'), functionFor };
