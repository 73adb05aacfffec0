import type { LoadedRuntimeModel } from './model-runtime.js';

/** A model borrowed for one request; `release()` exactly once when the response is built. */
export interface BorrowedModel {
  model: LoadedRuntimeModel;
  release(): void;
}

interface Held {
  model: LoadedRuntimeModel;
  inFlight: number;
  retired: boolean;
}

/**
 * Holds the model one served model answers with, and swaps it atomically. A request borrows
 * whatever model is current when it starts and keeps it to the end, so a swap never changes the
 * model under a running request; only fully loaded models are ever put in the slot, so no
 * request sees a half-loaded one. The old model is closed once its last borrower releases it.
 */
export class ModelSlot {
  private held: Held | undefined;

  constructor(model?: LoadedRuntimeModel) {
    if (model) this.held = { model, inFlight: 0, retired: false };
  }

  get current(): LoadedRuntimeModel | undefined {
    return this.held?.model;
  }

  /** Undefined when nothing is loaded yet. */
  borrow(): BorrowedModel | undefined {
    const held = this.held;
    if (!held) return undefined;
    held.inFlight++;
    let released = false;
    return {
      model: held.model,
      release: () => {
        if (released) return;
        released = true;
        held.inFlight--;
        if (held.retired && held.inFlight === 0) void held.model.close();
      },
    };
  }

  /** Puts `model` in the slot; the previous one closes when its in-flight requests finish. */
  swap(model: LoadedRuntimeModel): void {
    const old = this.held;
    this.held = { model, inFlight: 0, retired: false };
    if (old) this.retire(old);
  }

  /** Empties the slot (endpoint deleted or server stopping). */
  clear(): void {
    const old = this.held;
    this.held = undefined;
    if (old) this.retire(old);
  }

  private retire(old: Held): void {
    old.retired = true;
    if (old.inFlight === 0) void old.model.close();
  }
}
