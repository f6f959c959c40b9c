import { runEndToEndCases } from './serve-and-lambda.cases.ts';

runEndToEndCases('cpu');
