/**
 * The served models by name: what every protocol looks a request's model up in.
 * @module service/model-repository
 */
import { NotFoundError } from '../errors.ts';
import type { ModelService } from './model-service.ts';

export class ModelRepository {
  private readonly byName = new Map<string, ModelService>();

  constructor(services: Iterable<ModelService>) {
    for (const service of services) {
      if (this.byName.has(service.name)) throw new Error(`Two services are named ${service.name}`);
      this.byName.set(service.name, service);
    }
  }

  /** The service named `name`, or NOT_FOUND in TF Serving's words. */
  get(name: string): ModelService {
    const service = this.byName.get(name);
    if (!service) throw new NotFoundError(`Servable not found for request: model ${name} is not served here`);
    return service;
  }

  /** Every service, in the order given. */
  list(): ModelService[] {
    return [...this.byName.values()];
  }
}
