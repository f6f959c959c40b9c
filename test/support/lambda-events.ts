/**
 * API Gateway and function URL events in the shapes AWS sends (REST API payload 1.0, HTTP API
 * payload 2.0, Lambda function URL), built from their documented examples.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

export interface EventInput {
  method: string;
  /** The path, optionally with a `?query` (split into the event's query fields). */
  path: string;
  /** Bytes always travel base64-encoded with isBase64Encoded, as API Gateway sends binary media. */
  body?: string | Uint8Array;
  /** Send the body base64-encoded with isBase64Encoded, as API Gateway does for binary media. */
  base64?: boolean;
  headers?: Record<string, string>;
}

const now = new Date('2026-11-23T10:00:00Z');

function encodeBody(input: EventInput) {
  if (input.body === undefined) return { body: undefined, isBase64Encoded: false };
  if (input.body instanceof Uint8Array) return { body: Buffer.from(input.body).toString('base64'), isBase64Encoded: true };
  return input.base64
    ? { body: Buffer.from(input.body).toString('base64'), isBase64Encoded: true }
    : { body: input.body, isBase64Encoded: false };
}

function splitPath(input: EventInput): { path: string; query: string; params: Record<string, string> | null } {
  const [path, query = ''] = input.path.split('?', 2);
  const params = query ? Object.fromEntries(new URLSearchParams(query)) : null;
  return { path, query, params };
}

/** API Gateway REST API (payload format 1.0). */
export function restApiEvent(full: EventInput): APIGatewayProxyEvent {
  const { path, params } = splitPath(full);
  const input = { ...full, path };
  const headers = { 'content-type': 'application/json', Host: 'abc123.execute-api.us-east-1.amazonaws.com', ...input.headers };
  return {
    resource: '/{proxy+}',
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: params,
    multiValueQueryStringParameters: params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
    pathParameters: { proxy: input.path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: input.method,
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '203.0.113.7', user: null,
        userAgent: 'curl/8.5.0', userArn: null,
      },
      path: `/prod${input.path}`,
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: now.getTime(),
      resourceId: 'abcdef',
      resourcePath: '/{proxy+}',
    },
    ...encodeBody(input),
  } as APIGatewayProxyEvent;
}

/** API Gateway HTTP API (payload format 2.0) on a stage; rawPath carries the stage name. */
export function httpApiEvent(full: EventInput, stage = '$default'): APIGatewayProxyEventV2 {
  const { path, query } = splitPath(full);
  const input = { ...full, path };
  const rawPath = stage === '$default' ? input.path : `/${stage}${input.path}`;
  return {
    version: '2.0',
    routeKey: `${input.method} ${input.path}`,
    rawPath,
    rawQueryString: query,
    headers: { 'content-type': 'application/json', host: 'abc123.execute-api.us-east-1.amazonaws.com', ...input.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: input.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: `${input.method} ${input.path}`,
      stage,
      time: '23/Nov/2026:10:00:00 +0000',
      timeEpoch: now.getTime(),
    },
    ...encodeBody(input),
  } as APIGatewayProxyEventV2;
}

/** Lambda function URL (payload 2.0 with routeKey `$default` and an IAM authorizer). */
export function functionUrlEvent(input: EventInput): APIGatewayProxyEventV2 {
  const host = 'a1b2c3d4e5f6g7h8i9j0.lambda-url.us-east-1.on.aws';
  const event = httpApiEvent(input);
  return {
    ...event,
    routeKey: '$default',
    headers: { ...event.headers, host, 'x-amzn-trace-id': 'Root=1-5f84c7a9-0e5b1e1f0a1b2c3d4e5f6a7b' },
    requestContext: {
      ...event.requestContext,
      apiId: 'a1b2c3d4e5f6g7h8i9j0',
      domainName: host,
      domainPrefix: 'a1b2c3d4e5f6g7h8i9j0',
      routeKey: '$default',
      authorizer: { iam: { accessKey: 'AKIA...', accountId: '123456789012', callerId: 'AIDA...', userArn: 'arn:aws:iam::123456789012:user/alice', userId: 'AIDA...', cognitoIdentity: null, principalOrgId: null } },
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

/** A context object with the fields Lambda's Node runtime provides. */
export function lambdaContext() {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'lambda-serving-dev-mnist',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:lambda-serving-dev-mnist',
    memoryLimitInMB: '1024',
    awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
    logGroupName: '/aws/lambda/lambda-serving-dev-mnist',
    logStreamName: '2026/11/23/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 29_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
