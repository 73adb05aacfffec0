import { GradientBoostingClassifier, Pipeline, RandomForestClassifier } from '@modelyard/learn';
import type { Classifier, DataFrame } from '@modelyard/learn';
import { TARGET, pimaPreprocessing } from './cleanse.js';

export type ModelKind = 'random-forest' | 'gradient-boosting';

export const MODEL_KINDS: readonly ModelKind[] = ['random-forest', 'gradient-boosting'];

export interface TrainOptions {
  model: ModelKind;
  /** Trees (random forest) or boosting rounds (gradient boosting). */
  nTrees: number;
  maxDepth?: number;
  seed: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { model: 'random-forest', nTrees: 100, seed: 42 };

function makeClassifier(opts: TrainOptions): Classifier {
  const depth = opts.maxDepth !== undefined ? { maxDepth: opts.maxDepth } : {};
  switch (opts.model) {
    case 'random-forest':
      return new RandomForestClassifier({ nTrees: opts.nTrees, seed: opts.seed, ...depth });
    case 'gradient-boosting':
      return new GradientBoostingClassifier({ nEstimators: opts.nTrees, seed: opts.seed, ...depth });
    default:
      throw new Error(`unknown model '${String(opts.model)}'; use one of ${MODEL_KINDS.join(', ')}`);
  }
}

/**
 * Fits the imputation (pimaPreprocessing) and the classifier on the training rows. The imputers
 * are part of the pipeline (and so of the exported ONNX graph): a served model fills a Glucose of
 * 0 or null with the training median exactly as it did here.
 */
export function trainClassifier(train: DataFrame, opts: TrainOptions = DEFAULT_TRAIN_OPTIONS): Pipeline {
  if (!Number.isInteger(opts.nTrees) || opts.nTrees < 1) throw new RangeError(`nTrees must be a whole number ≥ 1, got ${opts.nTrees}`);
  return new Pipeline(pimaPreprocessing(), makeClassifier(opts)).fit(train, TARGET);
}

/** What the run records as params (MLflow param values are strings). */
export function trainParams(opts: TrainOptions): Record<string, string> {
  return {
    model: opts.model,
    n_trees: String(opts.nTrees),
    ...(opts.maxDepth !== undefined ? { max_depth: String(opts.maxDepth) } : {}),
    seed: String(opts.seed),
    imputation: 'median',
  };
}
