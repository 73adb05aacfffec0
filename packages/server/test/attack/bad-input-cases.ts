/**
 * The bad-input corpus: requests that every route must refuse with a 4xx in MLflow's error shape,
 * changing nothing. `{exp}`, `{run}`, `{model}` and `{lm}` in a target or body stand for the
 * seeded experiment, run, registered model and logged model, so that a refusal is about the bad
 * input and not about a missing entity. Expectations beyond "a 4xx in MLflow's shape" are given
 * only where the answer is defined (MLflow's, or this server's documented one).
 */

export interface BadInputExpectation {
  status?: number;
  code?: string;
  /** A fragment the message must contain: usually the field it names. */
  mentions?: string;
}

export interface BadInputCase {
  name: string;
  method: string;
  target: string;
  /** Raw header lines; when there is a body and no Content-Type line, JSON is declared. */
  headers?: string[];
  /** Omit Content-Length (a malformed-header case writes its own). */
  noContentLength?: boolean;
  body?: string | Buffer | (() => string | Buffer);
  expect?: BadInputExpectation;
}

const M = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts';
const JOBS = '/api/v1/jobs';
const SERVING = '/api/v1/serving-endpoints';
const TRACES = '/api/v1/traces';

const NUL = '\u0000';
const MB = 1024 * 1024;
const big = (n: number, ch = 'x') => ch.repeat(n);
/** `depth` levels of arrays around one value: a JSON bomb for any recursive reader. */
const nestedArrays = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const cases: BadInputCase[] = [];
const json = (v: unknown) => JSON.stringify(v);

function post(name: string, target: string, body: unknown, expect?: BadInputExpectation, method = 'POST'): void {
  cases.push({ name, method, target, body: typeof body === 'string' || typeof body === 'function' ? (body as string) : json(body), ...(expect ? { expect } : {}) });
}
function get(name: string, target: string, expect?: BadInputExpectation, method = 'GET'): void {
  cases.push({ name, method, target, ...(expect ? { expect } : {}) });
}
function raw(c: BadInputCase): void {
  cases.push(c);
}

const nul = (field: string): BadInputExpectation => ({ status: 400, code: 'INVALID_PARAMETER_VALUE', mentions: field });
const invalid: BadInputExpectation = { status: 400, code: 'INVALID_PARAMETER_VALUE' };
const malformed: BadInputExpectation = { status: 400 };
const noRoute: BadInputExpectation = { status: 404, code: 'ENDPOINT_NOT_FOUND' };

// --- A NUL character anywhere: refused on both dialects (PostgreSQL text cannot hold one). ---
post('NUL in experiment name', `${M}/experiments/create`, { name: `a${NUL}b` }, nul("'name'"));
post('NUL in experiment tag key', `${M}/experiments/create`, { name: 'nul-tag', tags: [{ key: `k${NUL}`, value: 'v' }] }, nul("'tags[0].key'"));
post('NUL in experiment tag value', `${M}/experiments/set-experiment-tag`, { experiment_id: '{exp}', key: 'k', value: `v${NUL}` }, nul("'value'"));
post('NUL in experiment new_name', `${M}/experiments/update`, { experiment_id: '{exp}', new_name: `n${NUL}` }, nul("'new_name'"));
post('NUL in artifact_location', `${M}/experiments/create`, { name: 'nul-loc', artifact_location: `/tmp/a${NUL}b` }, nul("'artifact_location'"));
post('NUL in run name', `${M}/runs/create`, { experiment_id: '{exp}', run_name: `r${NUL}` }, nul("'run_name'"));
post('NUL in run tag value', `${M}/runs/create`, { experiment_id: '{exp}', tags: [{ key: 'k', value: `v${NUL}` }] }, nul("'tags[0].value'"));
post('NUL in run user_id', `${M}/runs/create`, { experiment_id: '{exp}', user_id: `u${NUL}` }, nul("'user_id'"));
post('NUL in metric key', `${M}/runs/log-metric`, { run_id: '{run}', key: `m${NUL}`, value: 1, timestamp: 1 }, nul("'key'"));
post('NUL in metric run_id', `${M}/runs/log-metric`, { run_id: `{run}${NUL}`, key: 'm', value: 1, timestamp: 1 }, nul("'run_id'"));
post('NUL in metric dataset_name', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 1, timestamp: 1, dataset_name: `d${NUL}` }, nul("'dataset_name'"));
post('NUL in param key', `${M}/runs/log-parameter`, { run_id: '{run}', key: `p${NUL}`, value: 'v' }, nul("'key'"));
post('NUL in param value', `${M}/runs/log-parameter`, { run_id: '{run}', key: 'p-nul', value: `v${NUL}` }, nul("'value'"));
post('NUL in tag key', `${M}/runs/set-tag`, { run_id: '{run}', key: `t${NUL}`, value: 'v' }, nul("'key'"));
post('NUL in tag value', `${M}/runs/set-tag`, { run_id: '{run}', key: 't-nul', value: `v${NUL}` }, nul("'value'"));
post('NUL in deleted tag key', `${M}/runs/delete-tag`, { run_id: '{run}', key: `t${NUL}` }, nul("'key'"));
post('NUL in batch metric key', `${M}/runs/log-batch`, { run_id: '{run}', metrics: [{ key: `m${NUL}`, value: 1, timestamp: 1, step: 0 }] }, nul("'metrics[0].key'"));
post('NUL in batch param value', `${M}/runs/log-batch`, { run_id: '{run}', params: [{ key: 'bp', value: `v${NUL}` }] }, nul("'params[0].value'"));
post('NUL in batch tag key', `${M}/runs/log-batch`, { run_id: '{run}', tags: [{ key: `bt${NUL}`, value: 'v' }] }, nul("'tags[0].key'"));
post('NUL in second batch metric', `${M}/runs/log-batch`, { run_id: '{run}', metrics: [{ key: 'ok', value: 1, timestamp: 1 }, { key: 'ok', value: 2, timestamp: 2, model_id: `x${NUL}` }] }, nul("'metrics[1].model_id'"));
post('NUL in dataset name', `${M}/runs/log-inputs`, { run_id: '{run}', datasets: [{ dataset: { name: `d${NUL}`, digest: 'x', source_type: 'local', source: '{}' } }] }, nul("'datasets[0].dataset.name'"));
post('NUL in runs filter', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: `params.p = '${NUL}'` }, nul("'filter'"));
post('NUL in runs order_by', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: [`metrics.m${NUL}`] }, nul("'order_by[0]'"));
post('NUL in experiments filter', `${M}/experiments/search`, { filter: `name = '${NUL}'` }, nul("'filter'"));
get('NUL in experiment name query', `${M}/experiments/get-by-name?experiment_name=a%00b`, nul("'experiment_name'"));
get('NUL in run_id query', `${M}/runs/get?run_id={run}%00`, nul("'run_id'"));
get('NUL in metric history key', `${M}/metrics/get-history?run_id={run}&metric_key=m%00`, nul("'metric_key'"));
get('NUL in query parameter name', `${M}/experiments/get?experiment_id={exp}&a%00=1`, { status: 400, code: 'INVALID_PARAMETER_VALUE' });
post('NUL in registered model name', `${M}/registered-models/create`, { name: `m${NUL}` }, nul("'name'"));
post('NUL in registered model description', `${M}/registered-models/update`, { name: '{model}', description: `d${NUL}` }, nul("'description'"), 'PATCH');
post('NUL in registered model tag', `${M}/registered-models/set-tag`, { name: '{model}', key: 'k', value: `v${NUL}` }, nul("'value'"));
post('NUL in rename target', `${M}/registered-models/rename`, { name: '{model}', new_name: `n${NUL}` }, nul("'new_name'"));
post('NUL in model version source', `${M}/model-versions/create`, { name: '{model}', source: `s3://b/${NUL}` }, nul("'source'"));
post('NUL in model version tag', `${M}/model-versions/set-tag`, { name: '{model}', version: '1', key: `k${NUL}`, value: 'v' }, nul("'key'"));
post('NUL in alias', `${M}/registered-models/alias`, { name: '{model}', alias: `a${NUL}`, version: '1' }, nul("'alias'"));
post('NUL in version description', `${M}/model-versions/update`, { name: '{model}', version: '1', description: `d${NUL}` }, nul("'description'"), 'PATCH');
post('NUL in registry filter', `${M}/registered-models/search`, { filter: `name = '${NUL}'` }, nul("'filter'"));
get('NUL in model version search filter', `${M}/model-versions/search?filter=name%3D'%00'`, nul("'filter'"));
post('NUL in logged model name', `${M}/logged-models`, { experiment_id: '{exp}', name: `lm${NUL}` }, nul("'name'"));
post('NUL in logged model tag', `${M}/logged-models/{lm}/tags`, { tags: [{ key: 'k', value: `v${NUL}` }] }, nul("'tags[0].value'"), 'PATCH');
post('NUL in logged model param', `${M}/logged-models/{lm}/params`, { params: [{ key: `p${NUL}`, value: 'v' }] }, nul("'params[0].key'"));
get('NUL in logged model id', `${M}/logged-models/{lm}%00`, nul('model_id'));
post('NUL in webhook name', `${M}/webhooks`, { name: `w${NUL}`, url: 'https://example.com/hook', events: ['model_version.created'] }, nul("'name'"));
post('NUL in transition comment', `${M}/transition-requests/create`, { name: '{model}', version: '1', stage: 'Staging', comment: `c${NUL}` }, nul("'comment'"));
post('NUL in serving endpoint name', SERVING, { name: `e${NUL}`, config: { served_models: [{ name: 'm', model_uri: 'models:/{model}/1' }] } }, nul("'name'"));
get('NUL in serving endpoint path', `${SERVING}/e%00x`, nul('name'));
post('NUL in job parameter', `${JOBS}/run-now`, { job_id: 1, job_parameters: { [`p${NUL}`]: 'v' } }, nul('job_parameters'));
get('NUL in job run log task key', `${JOBS}/runs/logs?run_id=1&task_key=t%00`, nul("'task_key'"));
get('NUL in traces job filter', `${TRACES}?job=j%00`, nul("'job'"));
post('NUL in OTLP span name', '/v1/traces', {
  resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `s${NUL}`, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }],
}, nul('name'));
get('NUL in artifact list path', `${ARTIFACTS}/artifacts?path=a%00b`, nul("'path'"));
raw({ name: 'NUL in artifact upload path', method: 'PUT', target: `${ARTIFACTS}/artifacts/dir/a%00b.txt`, headers: ['Content-Type: application/octet-stream'], body: 'data', expect: nul('path') });
post('NUL in multipart upload path', `${ARTIFACTS}/mpu/create/x`, { path: `a${NUL}` }, nul("'path'"));

// --- Invalid UTF-8 and lone surrogates: text that no database column can hold as given. ---
const badUtf8 = (prefix: string, suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(suffix)]);
raw({ name: 'invalid UTF-8 in experiment name', method: 'POST', target: `${M}/experiments/create`, body: badUtf8('{"name":"u', '"}'), expect: { status: 400, mentions: 'UTF-8' } });
raw({ name: 'invalid UTF-8 in tag value', method: 'POST', target: `${M}/runs/set-tag`, body: badUtf8('{"run_id":"{run}","key":"k","value":"', '"}'), expect: { status: 400, mentions: 'UTF-8' } });
raw({ name: 'invalid UTF-8 in model name', method: 'POST', target: `${M}/registered-models/create`, body: badUtf8('{"name":"', '"}'), expect: { status: 400, mentions: 'UTF-8' } });
raw({ name: 'invalid UTF-8 in serving body', method: 'POST', target: SERVING, body: badUtf8('{"name":"', '","config":{"served_models":[]}}'), expect: { status: 400, mentions: 'UTF-8' } });
raw({ name: 'overlong UTF-8 encoding', method: 'POST', target: `${M}/experiments/create`, body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), expect: { status: 400, mentions: 'UTF-8' } });
post('lone high surrogate in name', `${M}/experiments/create`, '{"name":"a\\ud800b"}', { status: 400, mentions: 'surrogate' });
post('lone low surrogate in param', `${M}/runs/log-parameter`, '{"run_id":"{run}","key":"p-sur","value":"\\udc00"}', { status: 400, mentions: 'surrogate' });
get('invalid percent-encoded UTF-8 in query', `${M}/experiments/get-by-name?experiment_name=%FF%FE`, { status: 400 });

// --- Nesting bombs: no reader may recurse once per level. ---
post('5,000-deep array as experiment name', `${M}/experiments/create`, () => `{"name":${nestedArrays(5000)}}`, { status: 400 });
post('5,000-deep object as experiment name', `${M}/experiments/create`, () => `{"name":${nestedObjects(5000)}}`, { status: 400 });
post('5,000-deep array as run tags', `${M}/runs/create`, () => `{"experiment_id":"{exp}","tags":${nestedArrays(5000)}}`, { status: 400 });
post('5,000-deep array as metric value', `${M}/runs/log-metric`, () => `{"run_id":"{run}","key":"m","value":${nestedArrays(5000)},"timestamp":1}`, { status: 400 });
post('5,000-deep array in log-batch', `${M}/runs/log-batch`, () => `{"run_id":"{run}","metrics":${nestedArrays(5000)}}`, { status: 400 });
post('5,000-deep object as model name', `${M}/registered-models/create`, () => `{"name":${nestedObjects(5000)}}`, { status: 400 });
post('5,000-deep unknown field', `${M}/experiments/create`, () => `{"name":"deep-unknown","extra":${nestedObjects(5000)}}`, { status: 400 });
post('100,000-deep top-level array', `${M}/runs/search`, () => nestedArrays(100_000), { status: 400 });
post('5,000-deep job parameters', `${JOBS}/run-now`, () => `{"job_id":1,"job_parameters":${nestedObjects(5000)}}`, { status: 400 });
post('5,000-deep serving config', SERVING, () => `{"name":"deep","config":${nestedObjects(5000)}}`, { status: 400 });
post('5,000-deep OTLP attribute value', '/v1/traces', () =>
  `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"s","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(5000)}{"stringValue":"x"}${']}}'.repeat(5000)}}]}]}]}]}`, { status: 400 });
post('5,000-deep OTLP kvlist value', '/v1/traces', () =>
  `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332","name":"s","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"k","value":{"kvlistValue":${nestedObjects(5000)}}}]}]}]}]}`, { status: 400 });
post('5,000-deep webhook events', `${M}/webhooks`, () => `{"name":"w","url":"https://example.com/h","events":${nestedArrays(5000)}}`, { status: 400 });

// --- Prototype keys: refused by name, not as "invalid JSON". ---
post('__proto__ at top level', `${M}/experiments/create`, '{"name":"proto","__proto__":{"admin":true}}', { status: 400, mentions: '__proto__' });
post('__proto__ in a tag', `${M}/runs/set-tag`, '{"run_id":"{run}","key":"k","value":"v","tags":[{"__proto__":{"x":1}}]}', { status: 400, mentions: '__proto__' });
post('__proto__ spelled with escapes', `${M}/experiments/create`, '{"name":"proto2","\\u005f_proto__":{"x":1}}', { status: 400, mentions: '__proto__' });
post('constructor.prototype', `${M}/experiments/create`, '{"name":"ctor","constructor":{"prototype":{"x":1}}}', { status: 400, mentions: 'constructor' });
post('__proto__ as a job parameter', `${JOBS}/run-now`, '{"job_id":1,"job_parameters":{"__proto__":{"x":"1"}}}', { status: 400, mentions: '__proto__' });
post('__proto__ in serving config', SERVING, '{"name":"p","config":{"__proto__":{"served_models":[]}}}', { status: 400, mentions: '__proto__' });
post('__proto__ in registry body', `${M}/registered-models/create`, '{"name":"pm","__proto__":{"description":"x"}}', { status: 400, mentions: '__proto__' });
post('__proto__ in log-batch metric', `${M}/runs/log-batch`, '{"run_id":"{run}","metrics":[{"key":"m","value":1,"timestamp":1,"__proto__":{"step":5}}]}', { status: 400, mentions: '__proto__' });
post('__proto__ in OTLP body', '/v1/traces', '{"resourceSpans":[],"__proto__":{"x":1}}', { status: 400, mentions: '__proto__' });
get('__proto__ in query string', `${M}/experiments/get?__proto__=1&experiment_id={exp}`, { status: 400, mentions: '__proto__' });
get('constructor in query string', `${M}/experiments/get?constructor=1`, { status: 400 });

// --- Bodies that are not JSON objects, or not JSON. ---
for (const [label, path] of [
  ['experiments/create', `${M}/experiments/create`],
  ['runs/log-batch', `${M}/runs/log-batch`],
  ['registered-models/create', `${M}/registered-models/create`],
  ['serving-endpoints', SERVING],
  ['jobs/run-now', `${JOBS}/run-now`],
  ['OTLP traces', '/v1/traces'],
] as const) {
  post(`syntax error (${label})`, path, '{"name": ', { status: 400 });
  post(`trailing garbage (${label})`, path, '{"name":"x"} extra', { status: 400 });
  post(`JSON array body (${label})`, path, '[1,2,3]', { status: 400 });
  post(`JSON string body (${label})`, path, '"just a string"', { status: 400 });
  post(`JSON null body (${label})`, path, 'null', { status: 400 });
  raw({ name: `empty JSON body (${label})`, method: 'POST', target: path, body: '', expect: { status: 400 } });
  raw({ name: `text/plain body (${label})`, method: 'POST', target: path, headers: ['Content-Type: text/plain'], body: '{"name":"x"}' });
  raw({ name: `XML body (${label})`, method: 'POST', target: path, headers: ['Content-Type: application/xml'], body: '<name>x</name>' });
}
raw({ name: 'form-encoded body', method: 'POST', target: `${M}/experiments/create`, headers: ['Content-Type: application/x-www-form-urlencoded'], body: 'name=x' });
raw({ name: 'multipart body', method: 'POST', target: `${M}/experiments/create`, headers: ['Content-Type: multipart/form-data; boundary=b'], body: '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--' });
raw({ name: 'garbage content type', method: 'POST', target: `${M}/experiments/create`, headers: ['Content-Type: ;;;'], body: '{"name":"x"}' });
post('single-quoted JSON', `${M}/experiments/create`, "{'name':'x'}", { status: 400 });
post('duplicate keys with a bad last value', `${M}/experiments/create`, '{"name":"ok","name":5}', { status: 400 });
post('body over the size limit', `${M}/experiments/create`, () => json({ name: 'too-big', tags: [{ key: 'k', value: big(17 * MB) }] }), { status: 400 });

// --- Malformed HTTP framing: Content-Length, Transfer-Encoding, methods. ---
const framing = (name: string, headers: string[], body = '{"name":"framing"}') =>
  raw({ name, method: 'POST', target: `${M}/experiments/create`, headers: ['Content-Type: application/json', ...headers], noContentLength: true, body, expect: { status: 400 } });
framing('non-numeric Content-Length', ['Content-Length: abc']);
framing('negative Content-Length', ['Content-Length: -1']);
framing('Content-Length with a sign', ['Content-Length: +18']);
framing('fractional Content-Length', ['Content-Length: 1.5']);
framing('overflowing Content-Length', ['Content-Length: 99999999999999999999999']);
framing('two different Content-Lengths', ['Content-Length: 18', 'Content-Length: 5']);
framing('Content-Length and chunked together', ['Content-Length: 18', 'Transfer-Encoding: chunked']);
framing('unknown Transfer-Encoding', ['Transfer-Encoding: gzip, identity']);
framing('bad chunk size', ['Transfer-Encoding: chunked'], 'zz\r\n{"name":"framing"}\r\n0\r\n\r\n');
framing('Content-Length shorter than the body', ['Content-Length: 5']);
framing('header name with a space', ['Bad Header: x', 'Content-Length: 18']);
framing('header value with a control character', ['X-Thing: a\u0001b', 'Content-Length: 18']);
raw({ name: 'unknown HTTP method', method: 'FROB', target: `${M}/experiments/create`, expect: { status: 400 } });
raw({ name: 'request line without a version', method: 'GET', target: `${M}/experiments/search HTTP/9.9 extra`, expect: { status: 400 } });
raw({ name: 'oversized header', method: 'GET', target: `${M}/experiments/search`, headers: [`X-Big: ${big(70_000)}`], expect: { status: 431 } });
raw({ name: 'oversized URL', method: 'GET', target: `${M}/experiments/get-by-name?experiment_name=${big(70_000)}`, expect: { status: 431 } });

// --- Unknown routes and wrong methods. ---
get('GET on the logged-models search (a POST)', `${M}/logged-models/search`, { ...noRoute, mentions: 'POST' });
get('DELETE on the logged-models search', `${M}/logged-models/search`, { ...noRoute, mentions: 'POST' }, 'DELETE');
post('PATCH on the logged-models search', `${M}/logged-models/search`, { status: 'LOGGED_MODEL_READY' }, { ...noRoute, mentions: 'POST' }, 'PATCH');
get('GET on runs/create', `${M}/runs/create`, noRoute);
get('GET on runs/log-batch', `${M}/runs/log-batch`, noRoute);
post('PUT on experiments/create', `${M}/experiments/create`, { name: 'x' }, noRoute, 'PUT');
post('DELETE on runs/delete', `${M}/runs/delete`, { run_id: '{run}' }, noRoute, 'DELETE');
post('POST on registered-models/get', `${M}/registered-models/get`, { name: '{model}' }, noRoute);
get('unknown MLflow route', `${M}/experiments/frobnicate`, noRoute);
get('unknown API version', `/api/9.0/mlflow/experiments/search`, noRoute);
get('MLflow prefix only', `${M}/`, noRoute);
get('removed experiments/list', `${M}/experiments/list`, noRoute);
get('OPTIONS on an API route', `${M}/experiments/search`, noRoute, 'OPTIONS');
post('PATCH on jobs/list', `${JOBS}/list`, {}, noRoute, 'PATCH');
post('POST on jobs/get', `${JOBS}/get`, { job_id: 1 }, noRoute);
get('GET on jobs/run-now', `${JOBS}/run-now?job_id=1`, noRoute);
get('unknown jobs route', `${JOBS}/runs/frobnicate`, noRoute);
post('POST on a trace', `${TRACES}/0af7651916cd43dd8448eb211c80319c`, {}, noRoute);
get('unknown v1 route', '/api/v1/nothing-here', noRoute);
get('path traversal in the API prefix', `/api/2.0/mlflow/../../etc/passwd`, { status: 404 });

// --- Missing required fields. ---
post('experiments/create without name', `${M}/experiments/create`, {}, { ...invalid, mentions: "'name'" });
get('experiments/get without id', `${M}/experiments/get`, { ...invalid, mentions: "'experiment_id'" });
get('experiments/get-by-name without name', `${M}/experiments/get-by-name`, { ...invalid, mentions: "'experiment_name'" });
post('experiments/delete without id', `${M}/experiments/delete`, {}, { ...invalid, mentions: "'experiment_id'" });
post('set-experiment-tag without key', `${M}/experiments/set-experiment-tag`, { experiment_id: '{exp}', value: 'v' }, { ...invalid, mentions: "'key'" });
post('log-metric without key', `${M}/runs/log-metric`, { run_id: '{run}', value: 1, timestamp: 1 }, { ...invalid, mentions: "'key'" });
post('log-metric without value', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', timestamp: 1 }, { ...invalid, mentions: "'value'" });
post('log-metric without timestamp', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 1 }, { ...invalid, mentions: "'timestamp'" });
post('log-metric without run', `${M}/runs/log-metric`, { key: 'm', value: 1, timestamp: 1 });
post('log-parameter without value', `${M}/runs/log-parameter`, { run_id: '{run}', key: 'p-missing' }, { ...invalid, mentions: "'value'" });
post('set-tag without key', `${M}/runs/set-tag`, { run_id: '{run}', value: 'v' }, { ...invalid, mentions: "'key'" });
post('log-batch without run_id', `${M}/runs/log-batch`, { metrics: [] }, { ...invalid, mentions: "'run_id'" });
post('log-batch metric without timestamp', `${M}/runs/log-batch`, { run_id: '{run}', metrics: [{ key: 'm', value: 1 }] }, { ...invalid, mentions: "'metrics[0].timestamp'" });
post('log-inputs dataset without digest', `${M}/runs/log-inputs`, { run_id: '{run}', datasets: [{ dataset: { name: 'd', source_type: 'x', source: 'y' } }] }, invalid);
get('runs/get without id', `${M}/runs/get`);
get('get-history without key', `${M}/metrics/get-history?run_id={run}`, { ...invalid, mentions: "'metric_key'" });
get('bulk-interval without run ids', `${M}/metrics/get-history-bulk-interval?metric_key=m`, invalid);
get('artifacts/list without run', `${M}/artifacts/list`, { ...invalid, mentions: "'run_id'" });
post('registered-models/create without name', `${M}/registered-models/create`, {}, { ...invalid, mentions: "'name'" });
post('rename without new_name', `${M}/registered-models/rename`, { name: '{model}' }, { ...invalid, mentions: "'new_name'" });
post('model-versions/create without source', `${M}/model-versions/create`, { name: '{model}' }, { ...invalid, mentions: "'source'" });
get('model-versions/get without version', `${M}/model-versions/get?name={model}`, { ...invalid, mentions: "'version'" });
post('alias without version', `${M}/registered-models/alias`, { name: '{model}', alias: 'champion' }, { ...invalid, mentions: "'version'" });
post('transition-stage without stage', `${M}/model-versions/transition-stage`, { name: '{model}', version: '1' }, { ...invalid, mentions: "'stage'" });
post('webhook without url', `${M}/webhooks`, { name: 'w', events: ['model_version.created'] }, { ...invalid, mentions: "'url'" });
post('logged model without experiment', `${M}/logged-models`, {}, { ...invalid, mentions: "'experiment_id'" });
post('finalize without status', `${M}/logged-models/{lm}`, {}, { ...invalid, mentions: "'status'" }, 'PATCH');
get('logged model file without path', `${M}/logged-models/{lm}/artifacts/files`, { ...invalid, mentions: "'artifact_file_path'" });
post('serving endpoint without name', SERVING, { config: { served_models: [] } }, { ...invalid, mentions: "'name'" });
post('serving endpoint without config', SERVING, { name: 'e' }, { ...invalid, mentions: "'config'" });
get('jobs/get without job_id', `${JOBS}/get`, { ...invalid, mentions: "'job_id'" });
post('run-now without job_id', `${JOBS}/run-now`, {}, { ...invalid, mentions: "'job_id'" });
get('run logs without task_key', `${JOBS}/runs/logs?run_id=1`, { ...invalid, mentions: "'task_key'" });
get('stage durations without job', `${TRACES}/stage-durations`, { ...invalid, mentions: "'job'" });
post('multipart create without path', `${ARTIFACTS}/mpu/create/x`, {}, invalid);

// --- Wrong types. ---
post('experiment name is a number', `${M}/experiments/create`, { name: 5 }, { ...invalid, mentions: "'name'" });
post('experiment name is a list', `${M}/experiments/create`, { name: ['a'] }, { ...invalid, mentions: "'name'" });
post('experiment name is null', `${M}/experiments/create`, { name: null }, invalid);
post('experiment tags is a string', `${M}/experiments/create`, { name: 'tt', tags: 'k=v' }, invalid);
post('experiment tag key is a number', `${M}/experiments/create`, { name: 'tt2', tags: [{ key: 1, value: 'v' }] }, { ...invalid, mentions: "'tags[0].key'" });
post('experiment id is an object', `${M}/experiments/delete`, { experiment_id: { id: 1 } }, { ...invalid, mentions: "'experiment_id'" });
post('experiment id is a boolean', `${M}/experiments/restore`, { experiment_id: true }, invalid);
post('run start_time is text', `${M}/runs/create`, { experiment_id: '{exp}', start_time: 'yesterday' }, { ...invalid, mentions: "'start_time'" });
post('metric value is text', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 'high', timestamp: 1 }, { ...invalid, mentions: "'value'" });
post('metric value is a boolean', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: true, timestamp: 1 }, { ...invalid, mentions: "'value'" });
post('metric value is an object', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: { v: 1 }, timestamp: 1 }, { ...invalid, mentions: "'value'" });
post('metric step is fractional', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 1, timestamp: 1, step: 1.5 }, { ...invalid, mentions: "'step'" });
post('metric timestamp is fractional', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 1, timestamp: 1.25 }, { ...invalid, mentions: "'timestamp'" });
post('run_id is a number', `${M}/runs/log-parameter`, { run_id: 12, key: 'p', value: 'v' }, { ...invalid, mentions: "'run_id'" });
post('param value is a number', `${M}/runs/log-parameter`, { run_id: '{run}', key: 'p-num', value: 5 }, { ...invalid, mentions: "'value'" });
post('log-batch metrics is an object', `${M}/runs/log-batch`, { run_id: '{run}', metrics: { key: 'm' } }, { ...invalid, mentions: "'metrics'" });
post('log-batch params hold numbers', `${M}/runs/log-batch`, { run_id: '{run}', params: [1, 2] }, { ...invalid, mentions: "'params[0]'" });
post('log-batch metric value is text', `${M}/runs/log-batch`, { run_id: '{run}', metrics: [{ key: 'm', value: 'abc', timestamp: 1 }] }, { ...invalid, mentions: "'metrics[0].value'" });
post('runs/update status is a number', `${M}/runs/update`, { run_id: '{run}', status: 99 }, { ...invalid, mentions: "'status'" });
post('search experiment_ids is an object', `${M}/runs/search`, { experiment_ids: { a: 1 } }, invalid);
post('search order_by holds a number', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: [5] }, invalid);
post('model name is a number', `${M}/registered-models/create`, { name: 42 }, { ...invalid, mentions: "'name'" });
post('model tags is an object', `${M}/registered-models/create`, { name: 'typed', tags: { k: 'v' } }, invalid);
post('version is an object', `${M}/model-versions/update`, { name: '{model}', version: { v: 1 }, description: 'x' }, { ...invalid, mentions: "'version'" }, 'PATCH');
post('archive flag is text', `${M}/model-versions/transition-stage`, { name: '{model}', version: '1', stage: 'Staging', archive_existing_versions: 'yes please' }, invalid);
post('webhook events is a number', `${M}/webhooks`, { name: 'w', url: 'https://example.com/h', events: 5 }, invalid);
post('logged model params is text', `${M}/logged-models`, { experiment_id: '{exp}', params: 'a=b' }, invalid);
post('serving served_models is an object', SERVING, { name: 'e', config: { served_models: { name: 'm' } } }, invalid);
post('traffic percentage is text', SERVING, { name: 'e', config: { served_models: [{ name: 'm', model_uri: 'models:/{model}/1' }], traffic_config: { routes: [{ served_model_name: 'm', traffic_percentage: 'half' }] } } }, invalid);
post('serving endpoint unknown field', SERVING, { name: 'e', config: { served_models: [] }, owner: 'me' }, invalid);
post('job id is text', `${JOBS}/run-now`, { job_id: 'first' }, { ...invalid, mentions: "'job_id'" });
post('job parameters is a list', `${JOBS}/run-now`, { job_id: 1, job_parameters: ['a'] }, invalid);
post('job parameter value is an object', `${JOBS}/run-now`, { job_id: 1, job_parameters: { a: { b: 1 } } }, invalid);
post('repair rerun_tasks is an object', `${JOBS}/runs/repair`, { run_id: 1, rerun_tasks: { a: 1 } }, invalid);
post('cancel run_id is a list', `${JOBS}/runs/cancel`, { run_id: [1] }, invalid);
post('OTLP resourceSpans is text', '/v1/traces', { resourceSpans: 'all of them' }, invalid);
post('OTLP span without ids', '/v1/traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 's' }] }] }] }, invalid);
post('OTLP end before start', '/v1/traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203333', name: 's', startTimeUnixNano: '5000000', endTimeUnixNano: '1000000' }] }] }] }, invalid);
post('multipart parts is text', `${ARTIFACTS}/mpu/complete/x`, { path: 'x', parts: 'all' }, invalid);

// --- Numbers out of range. ---
post('max_results negative (experiments)', `${M}/experiments/search`, { max_results: -1 }, invalid);
post('max_results above the limit (experiments)', `${M}/experiments/search`, { max_results: 50_001 }, invalid);
post('max_results beyond int64 (runs)', `${M}/runs/search`, { experiment_ids: ['{exp}'], max_results: 1e20 }, invalid);
post('max_results beyond 2^53 (runs)', `${M}/runs/search`, '{"experiment_ids":["{exp}"],"max_results":9007199254740993}', invalid);
post('max_results above the limit (runs)', `${M}/runs/search`, { experiment_ids: ['{exp}'], max_results: 50_001 }, invalid);
get('max_results as text (registered models)', `${M}/registered-models/search?max_results=ten`, invalid);
get('max_results above the limit (registered models)', `${M}/registered-models/search?max_results=1000000`, invalid);
get('max_results above the limit (model versions)', `${M}/model-versions/search?max_results=1000000`, invalid);
get('max_results negative (metric history)', `${M}/metrics/get-history?run_id={run}&metric_key=loss&max_results=-5`, invalid);
get('max_results fractional (webhooks)', `${M}/webhooks?max_results=1.5`, invalid);
post('max_results negative (logged models)', `${M}/logged-models/search`, { experiment_ids: ['{exp}'], max_results: -3 }, invalid);
post('metric timestamp beyond int64', `${M}/runs/log-metric`, { run_id: '{run}', key: 'm', value: 1, timestamp: 1e300 }, { ...invalid, mentions: "'timestamp'" });
post('metric step beyond int64', `${M}/runs/log-metric`, '{"run_id":"{run}","key":"m","value":1,"timestamp":1,"step":123456789012345678901234567890}', { ...invalid, mentions: "'step'" });
post('run end_time as huge text', `${M}/runs/update`, { run_id: '{run}', end_time: '99999999999999999999999' }, { ...invalid, mentions: "'end_time'" });
post('log-batch of 1,001 metrics', `${M}/runs/log-batch`, () => json({ run_id: '{run}', metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i })) }), invalid);
post('log-batch of 101 params', `${M}/runs/log-batch`, () => json({ run_id: '{run}', params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }), invalid);
get('jobs runs/list limit 0', `${JOBS}/runs/list?limit=0`, invalid);
get('jobs runs/list limit too big', `${JOBS}/runs/list?limit=5000`, invalid);
get('jobs runs/list job_id overflow', `${JOBS}/runs/list?job_id=99999999999999999999`, invalid);
get('run logs negative offset as text', `${JOBS}/runs/logs?run_id=1&task_key=t&offset=minus`, invalid);
get('traces limit 0', `${TRACES}?limit=0`, invalid);
get('traces limit too big', `${TRACES}?limit=100000`, invalid);
get('traces job_run_id fractional', `${TRACES}?job_run_id=1.5`, invalid);
get('stage durations since_ms as text', `${TRACES}/stage-durations?job=j&since_ms=yesterday`, invalid);
post('serving traffic over 100 percent', SERVING, { name: 'over', config: { served_models: [{ name: 'm', model_uri: 'models:/{model}/1' }], traffic_config: { routes: [{ served_model_name: 'm', traffic_percentage: 150 }] } } });
post('serving traffic negative', SERVING, { name: 'neg', config: { served_models: [{ name: 'm', model_uri: 'models:/{model}/1' }], traffic_config: { routes: [{ served_model_name: 'm', traffic_percentage: -50 }] } } });

// --- Enums. ---
post('view_type unknown', `${M}/experiments/search`, { view_type: 'SOMETIMES' }, { ...invalid, mentions: "'view_type'" });
post('view_type out of range', `${M}/experiments/search`, { view_type: 7 }, invalid);
post('run_view_type unknown', `${M}/runs/search`, { experiment_ids: ['{exp}'], run_view_type: 'LIVE' }, { ...invalid, mentions: "'run_view_type'" });
get('run_view_type unknown in a query', `${M}/runs/search?experiment_ids={exp}&run_view_type=everything`, invalid);
post('run status unknown', `${M}/runs/update`, { run_id: '{run}', status: 'DONE' }, { ...invalid, mentions: "'status'" });
post('run status lower case', `${M}/runs/update`, { run_id: '{run}', status: 'finished' }, invalid);
post('logged model status unknown', `${M}/logged-models/{lm}`, { status: 'LOGGED_MODEL_GREAT' }, { ...invalid, mentions: "'status'" }, 'PATCH');
post('stage unknown', `${M}/model-versions/transition-stage`, { name: '{model}', version: '1', stage: 'Prod' }, invalid);
post('transition request stage unknown', `${M}/transition-requests/create`, { name: '{model}', version: '1', stage: 'Somewhere' }, invalid);
post('webhook event unknown', `${M}/webhooks`, { name: 'w', url: 'https://example.com/h', events: ['model.exploded'] }, invalid);
post('webhook status unknown', `${M}/webhooks`, { name: 'w', url: 'https://example.com/h', events: ['model_version.created'], status: 'SLEEPY' }, invalid);
get('job log stream unknown', `${JOBS}/runs/logs?run_id=1&task_key=t&stream=stdin`, invalid);
get('latest versions stage unknown', `${M}/registered-models/get-latest-versions?name={model}&stages=Limbo`, invalid);

// --- Page tokens and ordering. ---
post('runs page token garbage', `${M}/runs/search`, { experiment_ids: ['{exp}'], page_token: '!!!not-a-token' }, invalid);
post('runs page token valid base64, bad content', `${M}/runs/search`, { experiment_ids: ['{exp}'], page_token: Buffer.from('{"offset":-5}').toString('base64') }, invalid);
post('experiments page token garbage', `${M}/experiments/search`, { page_token: 'abc' }, invalid);
get('registered models page token garbage', `${M}/registered-models/search?page_token=zzz`, invalid);
get('model versions page token garbage', `${M}/model-versions/search?page_token=zzz`, invalid);
post('logged models page token garbage', `${M}/logged-models/search`, { experiment_ids: ['{exp}'], page_token: 'not a token!' }, invalid);
get('metric history page token garbage', `${M}/metrics/get-history?run_id={run}&metric_key=loss&page_token=%%%`, invalid);
get('jobs page token garbage', `${JOBS}/runs/list?page_token=-1x`, invalid);
get('webhooks page token garbage', `${M}/webhooks?page_token=zzz`, invalid);
get('registry events page token garbage', `/api/v1/registry/events?page_token=zzz`, invalid);
post('runs order_by unknown attribute', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: ['attributes.color ASC'] }, invalid);
post('runs order_by bad direction', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: ['metrics.loss SIDEWAYS'] }, invalid);
post('runs order_by unterminated quote', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: ['metrics.`loss'] }, invalid);
post('runs order_by empty key', `${M}/runs/search`, { experiment_ids: ['{exp}'], order_by: ['params.'] }, invalid);
post('experiments order_by unknown', `${M}/experiments/search`, { order_by: ['color DESC'] }, invalid);
get('registered models order_by unknown', `${M}/registered-models/search?order_by=popularity`, invalid);
get('model versions order_by unknown', `${M}/model-versions/search?order_by=size%20DESC`, invalid);
post('logged models order_by unknown field', `${M}/logged-models/search`, { experiment_ids: ['{exp}'], order_by: [{ field_name: 'colour' }] }, invalid);

// --- Filters. ---
post('runs filter bad operator', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: 'metrics.acc >> 1' }, invalid);
post('runs filter unterminated string', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: "params.p = 'open" }, invalid);
post('runs filter unknown entity', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: 'colors.red = 1' }, invalid);
post('runs filter SQL injection', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: "params.p = 'x' OR 1=1; DROP TABLE runs; --" }, invalid);
post('runs filter metric against text', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: "metrics.loss > 'abc'" }, invalid);
post('runs filter dangling AND', `${M}/runs/search`, { experiment_ids: ['{exp}'], filter: 'metrics.loss > 1 AND' }, invalid);
post('experiments filter bad operator', `${M}/experiments/search`, { filter: 'name ~ 3' }, invalid);
get('registered models filter unknown key', `${M}/registered-models/search?filter=owner%3D'me'`, invalid);
get('model versions filter bad syntax', `${M}/model-versions/search?filter=name%20%3D%3D%3D`, invalid);
post('logged models filter bad syntax', `${M}/logged-models/search`, { experiment_ids: ['{exp}'], filter: 'metrics.acc >>> 2' }, invalid);

// --- Huge values: refused, and the message quotes at most a bounded prefix. ---
post('10 MB experiment name', `${M}/experiments/create`, () => json({ name: big(10 * MB) }), invalid);
post('10 MB param key with a bad character', `${M}/runs/log-parameter`, () => json({ run_id: '{run}', key: big(10 * MB) + '!', value: 'v' }), invalid);
post('1 MB tag value', `${M}/runs/set-tag`, () => json({ run_id: '{run}', key: 'huge', value: big(MB) }), invalid);
post('1 MB param value', `${M}/runs/log-parameter`, () => json({ run_id: '{run}', key: 'huge', value: big(MB) }), invalid);
post('1 MB metric key', `${M}/runs/log-metric`, () => json({ run_id: '{run}', key: big(MB), value: 1, timestamp: 1 }), invalid);
post('1 MB unknown run id', `${M}/runs/log-metric`, () => json({ run_id: big(MB), key: 'm', value: 1, timestamp: 1 }));
post('1 MB runs filter', `${M}/runs/search`, () => json({ experiment_ids: ['{exp}'], filter: `params.p = '${big(MB)}` }), invalid);
post('1 MB order_by', `${M}/runs/search`, () => json({ experiment_ids: ['{exp}'], order_by: [big(MB, '(')] }), invalid);
post('1 MB page token', `${M}/experiments/search`, () => json({ page_token: big(MB, 'A') }), invalid);
post('1 MB model name', `${M}/registered-models/create`, () => json({ name: big(MB) }), invalid);
post('1 MB model description', `${M}/registered-models/update`, () => json({ name: '{model}', description: big(MB) }), invalid, 'PATCH');
post('1 MB alias', `${M}/registered-models/alias`, () => json({ name: '{model}', alias: big(MB), version: '1' }), invalid);
post('1 MB logged model name', `${M}/logged-models`, () => json({ experiment_id: '{exp}', name: big(MB) }), invalid);
post('1 MB serving endpoint name', SERVING, () => json({ name: big(MB), config: { served_models: [{ name: 'm', model_uri: 'models:/{model}/1' }] } }));
post('1 MB job id text', `${JOBS}/run-now`, () => json({ job_id: big(MB, '9') }), invalid);
post('1 MB enum value', `${M}/runs/update`, () => json({ run_id: '{run}', status: big(MB) }), invalid);
post('1 MB wrong-typed value', `${M}/experiments/create`, () => json({ name: [big(MB)] }), invalid);
post('1 MB OTLP trace id', '/v1/traces', () => json({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: big(MB, 'a'), spanId: 'b7ad6b7169203334', name: 's', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] }), invalid);
get('10 KB experiment name in a query', `${M}/experiments/get-by-name?experiment_name=${big(10_000)}`);
get('10 KB run id in a query', `${M}/runs/get?run_id=${big(10_000)}`);
get('10 KB model name in a query', `${M}/registered-models/get?name=${big(10_000)}`);
get('900-character logged model id in the path', `${M}/logged-models/${big(900)}`);
get('2,000-character logged model id in the path', `${M}/logged-models/${big(2000)}`);
get('900-character trace id in the path', `${TRACES}/${big(900)}`);

// --- Entities that are not what they claim: confined, refused. ---
raw({ name: 'artifact upload escaping the root', method: 'PUT', target: `${ARTIFACTS}/artifacts/../../escape.txt`, headers: ['Content-Type: application/octet-stream'], body: 'x' });
raw({ name: 'artifact upload with encoded traversal', method: 'PUT', target: `${ARTIFACTS}/artifacts/a/%2e%2e/%2e%2e/escape.txt`, headers: ['Content-Type: application/octet-stream'], body: 'x' });
get('artifact list escaping the root', `${ARTIFACTS}/artifacts?path=../../etc`);
get('artifact download of an absolute path', `${ARTIFACTS}/artifacts/%2Fetc%2Fpasswd`);
get('run artifact list with traversal', `${M}/artifacts/list?run_id={run}&path=../../..`);
post('model version source outside the stores', `${M}/model-versions/create`, { name: '{model}', source: '/etc/passwd' });
post('webhook to an internal address', `${M}/webhooks`, { name: 'w', url: 'http://169.254.169.254/latest', events: ['model_version.created'] });
post('webhook with a file URL', `${M}/webhooks`, { name: 'w', url: 'file:///etc/passwd', events: ['model_version.created'] });
post('serving model_uri garbage', SERVING, { name: 'garbage-uri', config: { served_models: [{ name: 'm', model_uri: 'not a uri' }] } });
post('invocations of a missing endpoint', `${SERVING}/nope/invocations`, { inputs: [[1]] }, { status: 404 });
get('trace id not hex', `${TRACES}/not-hex-at-all`, invalid);
get('two trace selectors', `${TRACES}?trace_id=0af7651916cd43dd8448eb211c80319c&job=j`, invalid);
raw({ name: 'OTLP protobuf body', method: 'POST', target: '/v1/traces', headers: ['Content-Type: application/x-protobuf'], body: Buffer.from([0x0a, 0x00]) });

export const BAD_INPUT_CASES: readonly BadInputCase[] = cases;
