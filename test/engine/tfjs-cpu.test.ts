import { runEngineCases } from './engine.cases.ts';

runEngineCases('cpu');
