import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { keepPollingAfterRequests } from './busy-poll.js';

describe('keepPollingAfterRequests', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = undefined;
  });

  async function listen(windowMicros: number) {
    server = createServer((_req, res) => res.end('ok'));
    const polling = keepPollingAfterRequests(server, windowMicros);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    return { polling, url };
  }

  /** Event-loop turns that happen while `ms` pass (each setImmediate re-arms itself). */
  async function loopTurnsDuring(ms: number): Promise<number> {
    let turns = 0;
    let stop = false;
    const count = () => {
      turns++;
      if (!stop) setTimeout(count, 0);
    };
    setTimeout(count, 0);
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    return turns;
  }

  it('polls after a request for the window, then lets the loop sleep', async () => {
    const { polling, url } = await listen(300_000);
    expect(polling.isPolling()).toBe(false);
    expect(await (await fetch(url)).text()).toBe('ok');
    expect(polling.isPolling()).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect(polling.isPolling()).toBe(false);
    // Each request opens the window again.
    await fetch(url);
    expect(polling.isPolling()).toBe(true);
    // Timers keep firing while it polls: the loop is not held.
    expect(await loopTurnsDuring(10)).toBeGreaterThan(0);
  });

  it('does nothing with a window of 0', async () => {
    const { polling, url } = await listen(0);
    await fetch(url);
    expect(polling.isPolling()).toBe(false);
    expect(server!.listenerCount('request')).toBe(1);
  });
});
