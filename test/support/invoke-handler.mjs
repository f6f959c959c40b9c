// Runs in a fresh `node` process, like Lambda's runtime: imports a packaged handler from the task
// root, invokes it once with the event in a JSON file, and prints the result and the timings.
// Usage: node invoke-handler.mjs <taskRoot> <handlers/model.mjs> <event.json>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const started = performance.now();
const [taskRoot, handlerFile, eventFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(`${taskRoot}/${handlerFile}`).href);
const imported = performance.now();
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { awsRequestId: 'zip-test', functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 29000 };
const result = await handler(event, context);
const done = performance.now();
console.log(`RESULT ${JSON.stringify({ result, importMs: imported - started, firstResponseMs: done - started, processUptimeMs: process.uptime() * 1000 })}`);
