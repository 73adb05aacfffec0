import { useCallback, useEffect, useRef, useState } from 'react';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner } from '../../components/error-banner.js';
import { usePolling } from '../../lib/use-polling.js';

/** Text kept in the browser per log; older text is dropped from the top past this. */
const MAX_KEPT_CHARS = 2_000_000;
const POLL_MS = 1000;

interface LogState {
  text: string;
  offset: number;
  attemptState?: string;
  droppedChars: number;
  error?: Error;
}

/**
 * One attempt's stdout or stderr. It reads from the byte offset it has reached, so a long log
 * arrives in chunks and a running attempt's new lines stream in by polling the logs endpoint
 * once a second until the attempt ends.
 */
export function TaskLog({ runId, taskKey, attempt, stream, live }: { runId: number; taskKey: string; attempt: number | undefined; stream: 'stdout' | 'stderr'; live: boolean }) {
  const [state, setState] = useState<LogState>({ text: '', offset: 0, droppedChars: 0 });
  const offsetRef = useRef(0);
  const busy = useRef(false);
  const generation = useRef(0);
  const preRef = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);

  const fetchMore = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    const gen = generation.current;
    try {
      // Drain what is there: the server answers at most one chunk per call.
      for (let i = 0; i < 50; i++) {
        const chunk = await sdk().jobs.readLog({ runId, taskKey, stream, offset: offsetRef.current, ...(attempt !== undefined ? { attempt } : {}) });
        if (gen !== generation.current) return;
        offsetRef.current = Math.max(offsetRef.current, chunk.nextOffset);
        setState((s) => {
          let text = s.text + chunk.text;
          let dropped = s.droppedChars;
          if (text.length > MAX_KEPT_CHARS) {
            dropped += text.length - MAX_KEPT_CHARS;
            text = text.slice(text.length - MAX_KEPT_CHARS);
          }
          return { text, offset: offsetRef.current, attemptState: chunk.attemptState, droppedChars: dropped };
        });
        if (!chunk.truncated) break;
      }
    } catch (e) {
      if (gen === generation.current) setState((s) => ({ ...s, error: e instanceof Error ? e : new Error(String(e)) }));
    } finally {
      busy.current = false;
    }
  }, [runId, taskKey, attempt, stream]);

  useEffect(() => {
    generation.current++;
    offsetRef.current = 0;
    busy.current = false;
    setState({ text: '', offset: 0, droppedChars: 0 });
    void fetchMore();
  }, [fetchMore]);

  const running = live || state.attemptState === 'RUNNING' || state.attemptState === 'QUEUED';
  usePolling(() => void fetchMore(), POLL_MS, running && !state.error);

  useEffect(() => {
    const pre = preRef.current;
    if (pre && follow) pre.scrollTop = pre.scrollHeight;
  }, [state.text, follow]);

  return (
    <div className="task-log">
      <div className="toolbar">
        <span className="muted" aria-live="polite">
          {state.attemptState ? `Attempt ${state.attemptState.toLowerCase()}` : ''}
          {running ? ' · following new output' : ''} · {state.offset.toLocaleString()} bytes read
        </span>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Scroll to the end
        </label>
      </div>
      {state.error && (
        <ErrorBanner
          title={`Could not read the ${stream} of ${taskKey}`}
          error={state.error}
          onRetry={() => {
            setState((s) => {
              const { error: _dropped, ...rest } = s;
              return rest;
            });
            void fetchMore();
          }}
        />
      )}
      {state.droppedChars > 0 && <p className="muted">The first {state.droppedChars.toLocaleString()} characters are not shown.</p>}
      <pre ref={preRef} className="text-preview log-text" tabIndex={0} aria-label={`${stream} of ${taskKey}`} data-stream={stream}>
        {state.text === '' ? (state.attemptState ? '(empty)' : '') : state.text}
      </pre>
    </div>
  );
}
