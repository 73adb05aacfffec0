import { Agent, request } from 'node:http';

/**
 * A lean keep-alive JSON client over node:http: one socket, like a training script's client.
 * Node's fetch adds a few hundred microseconds per call, which would hide the server's own cost.
 */
export class BenchClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`));
            resolve(text ? JSON.parse(text) : {});
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  post(path: string, body: unknown): Promise<any> {
    return this.call('POST', `/api/2.0/mlflow${path}`, body);
  }

  get(path: string, query: Record<string, string | number>): Promise<any> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.call('GET', `/api/2.0/mlflow${path}?${qs}`);
  }

  close(): void {
    this.agent.destroy();
  }
}
