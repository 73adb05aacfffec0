import type { Server } from 'node:http';

/**
 * After each request, keeps the event loop polling its sockets (instead of sleeping in epoll) for
 * `windowMicros`, then lets it sleep again.
 *
 * Why: a training loop calls log-metric back to back, and its next request arrives a few hundred
 * microseconds after the answer. On a virtual machine an idle vCPU halts, and waking it when that
 * request arrives costs about as much as serving the request (measured on the 2-core benchmark
 * machine: a TCP ping-pong between two processes did ~2,500 round trips/s when both slept between
 * messages, ~10,000 when the answering side kept polling). Busy polling (Linux's
 * `net.core.busy_poll`, KVM's halt polling) trades a bounded amount of CPU for that latency:
 * an idle server polls for nothing; a server answering sparse requests spends at most the window
 * per request; one answering back-to-back requests would be busy anyway. `0` turns it off.
 *
 * The loop stays responsive: each poll is one `setImmediate` turn, so timers, I/O and other
 * requests run between polls as usual.
 */
export function keepPollingAfterRequests(server: Server, windowMicros: number): { isPolling(): boolean } {
  let polling = false;
  const state = { isPolling: () => polling };
  if (windowMicros <= 0) return state;
  const windowMs = windowMicros / 1000;
  let pollUntil = 0;
  const poll = (): void => {
    if (performance.now() < pollUntil) setImmediate(poll);
    else polling = false;
  };
  server.on('request', () => {
    pollUntil = performance.now() + windowMs;
    if (polling) return;
    polling = true;
    setImmediate(poll);
  });
  return state;
}
