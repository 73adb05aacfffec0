import { InvalidParameterError } from '../../errors.js';
import { canonicalStage } from '../../domain/registry.js';
import type { ChangeContext, ModelStage, ModelVersion, TransitionRequest } from '../../domain/registry.js';
import type { RequestRef } from '../../stores/registry/transition-request-store.js';
import { writeContext } from './registry-deps.js';
import type { RegistryServiceDeps } from './registry-deps.js';
import { parseVersion, validateModelName } from './registry-validation.js';

export interface RequestInput {
  name?: string | undefined;
  version?: string | number | undefined;
  stage?: string | undefined;
}

export interface ApprovalOutcome {
  requests: TransitionRequest[];
  fromStage: string;
  modelVersion: ModelVersion;
}

/** Transition requests: ask for a stage, then approve (which transitions), reject or withdraw. */
export class TransitionRequestService {
  constructor(private readonly deps: RegistryServiceDeps) {}

  private ref(input: RequestInput): RequestRef {
    const name = validateModelName(input.name);
    const version = parseVersion(input.version);
    if (input.stage === undefined || input.stage === '') throw new InvalidParameterError(`Missing value for required parameter 'stage'.`);
    const stage: ModelStage = canonicalStage(input.stage);
    return { name, version, stage };
  }

  async create(input: RequestInput, caller: ChangeContext): Promise<TransitionRequest> {
    return this.deps.stores.requests.create(this.ref(input), writeContext(this.deps, caller));
  }

  async list(name: string | undefined, version: string | number | undefined): Promise<TransitionRequest[]> {
    return this.deps.stores.requests.listPending(validateModelName(name), parseVersion(version));
  }

  async approve(input: RequestInput & { archiveExistingVersions?: boolean | undefined }, caller: ChangeContext): Promise<ApprovalOutcome> {
    const ref = this.ref(input);
    const { requests, applied } = await this.deps.stores.requests.approve(ref, input.archiveExistingVersions ?? false, writeContext(this.deps, caller));
    const modelVersion = (await this.deps.stores.versions.get(ref.name, ref.version))!;
    return { requests, fromStage: applied.fromStage, modelVersion };
  }

  async reject(input: RequestInput, caller: ChangeContext): Promise<TransitionRequest[]> {
    return this.deps.stores.requests.reject(this.ref(input), writeContext(this.deps, caller));
  }

  async cancel(input: RequestInput & { creator?: string | undefined }, caller: ChangeContext): Promise<TransitionRequest[]> {
    if (input.creator === undefined || input.creator === '') throw new InvalidParameterError(`Missing value for required parameter 'creator'.`);
    return this.deps.stores.requests.cancel(this.ref(input), input.creator, writeContext(this.deps, caller));
  }
}
