// The S3-compatible emulator the tests and benchmarks run (test/helpers/object-store-emulators.ts):
// `node s3rver-main.cjs <directory>` serves S3 on a free loopback port and prints
// `s3rver listening on <port>` once it answers. s3rver has no runnable bin in its package.
'use strict';
const S3rver = require('@20minutes/s3rver');
const v4 = require('@20minutes/s3rver/lib/signature/v4');

// The AWS SDK v3 signs bucket-level requests in path style as `/<bucket>/` (the path it sends),
// while s3rver rebuilds the canonical URI from the route as `/<bucket>` and so refuses every
// signature on them. The canonical URI is the path as sent (SigV4), so give s3rver that; the
// signature checks stay on, so a wrong secret is still refused.
const SENT_PATH = 'x-modelyard-sent-path';
const getStringToSign = v4.getStringToSign;
v4.getStringToSign = (canonicalRequest, request) => {
  const sent = canonicalRequest.headers[SENT_PATH];
  const uri = canonicalRequest.uri;
  const fixed = typeof sent === 'string' && sent.endsWith('/') && !uri.endsWith('/') ? `${uri}/` : uri;
  return getStringToSign({ ...canonicalRequest, uri: fixed }, request);
};

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node s3rver-main.cjs <directory>\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: process.env.S3RVER_VERBOSE !== '1' });
server.middleware.unshift((ctx, next) => {
  ctx.req.headers[SENT_PATH] = ctx.path;
  return next();
});
server.run().then(
  ({ port }) => process.stdout.write(`s3rver listening on ${port}\n`),
  (err) => {
    process.stderr.write(`s3rver failed to start: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
