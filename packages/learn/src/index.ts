export { DataFrame, type Column, type NumberColumn, type StringColumn } from './data/data-frame.js';
export { readCsv, parseCsv, type CsvOptions } from './data/csv.js';
export { trainTestSplit, type Split, type SplitOptions } from './data/train-test-split.js';
export { Random } from './random.js';
export type { Matrix } from './linalg/matrix.js';

export type { FeatureSet, Transformer } from './preprocess/feature-set.js';
export { SimpleImputer, type SimpleImputerOptions, type ImputeStrategy } from './preprocess/simple-imputer.js';
export { StandardScaler, type StandardScalerOptions } from './preprocess/standard-scaler.js';
export { OneHotEncoder, type OneHotEncoderOptions } from './preprocess/one-hot-encoder.js';

export type { Classifier, Estimator, Regressor } from './models/estimator.js';
export { RidgeRegression, type RidgeOptions } from './models/ridge-regression.js';
export { LogisticRegression, type LogisticRegressionOptions } from './models/logistic-regression.js';
export { RandomForestClassifier, type RandomForestClassifierOptions } from './models/random-forest-classifier.js';
export { RandomForestRegressor, type RandomForestRegressorOptions } from './models/random-forest-regressor.js';
export { GradientBoostingClassifier } from './models/gradient-boosting-classifier.js';
export { GradientBoostingRegressor, type GradientBoostingOptions } from './models/gradient-boosting-regressor.js';
export type { Tree } from './models/tree/tree.js';

export { Pipeline, type PipelineLayout } from './pipeline/pipeline.js';
export type { InputColumnSpec, OutputTensorSpec, Task } from './pipeline/schema.js';

export { toOnnx, type ToOnnxOptions } from './onnx/to-onnx.js';
export { toOnnxFeeds, type OnnxFeed } from './onnx/feeds.js';

export { accuracy, precision, recall, f1Score, logLoss, confusionMatrix, type Average, type ClassMetricOptions } from './metrics/classification.js';
export { rocAuc } from './metrics/roc-auc.js';
export { meanSquaredError, rootMeanSquaredError, meanAbsoluteError, r2Score } from './metrics/regression.js';
