import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { excerpt } from '@modelyard/contract';

/** What Node's HTTP parser (llhttp) found wrong, in words that say what to fix. */
const PARSER_PROBLEMS: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is not one non-negative decimal number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'the request has both Content-Length and Transfer-Encoding: chunked; send one of them',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header must end with chunked',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is not a hexadecimal number',
  HPE_INVALID_METHOD: 'the HTTP method is not one this server knows',
  HPE_INVALID_URL: 'the request target is not a valid URL path',
  HPE_INVALID_VERSION: 'the request line does not end with a valid HTTP version',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds a character HTTP does not allow',
  HPE_INVALID_CONSTANT: 'the request line is not valid HTTP/1.1',
  HPE_LF_EXPECTED: 'a line of the request does not end with CRLF',
  HPE_CR_EXPECTED: 'a line of the request does not end with CRLF',
};

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

/**
 * Node's `clientError`: a request so malformed (a bad Content-Length, an unknown method, headers
 * over the size limit, a request that timed out) that it never reaches Fastify's routing, and
 * so none of the app's error handling. It still gets MLflow's `{error_code, message}` body,
 * written to the socket directly, which is then closed: after a framing error nothing further
 * on this connection can be trusted to start where a request starts.
 */
export function answerMalformedRequest(err: ParserError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message: string;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = "The request's headers (the URL included) are larger than this server's 16 KB limit; send long values in a JSON body";
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'The request did not arrive completely within the server\'s request timeout';
  } else {
    const problem = PARSER_PROBLEMS[err.code ?? ''] ?? `it is not valid HTTP/1.1 (${excerpt(err.reason ?? err.code ?? 'unknown parser error', 100)})`;
    message = `Malformed HTTP request: ${problem}`;
  }
  const body = JSON.stringify({ error_code: 'BAD_REQUEST', message });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
