export const MODELYARD_VERSION = '0.1.0';
/** The MLflow server version whose REST API this server speaks (what `/version` reports). */
export const MLFLOW_COMPAT_VERSION = '3.1.0';
