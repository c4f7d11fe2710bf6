/**
 * What differs between Node and the browser. `#platform` (package.json `imports`) resolves to
 * `node.ts` or `browser.ts` by the `browser` export condition, so each build carries only its own half.
 */
export interface Platform {
  readonly name: 'node' | 'browser';
  /**
   * Loads the module of a backend this platform may run, fastest first; resolves to a reason it cannot
   * be used here, or `undefined` when it registered and may be tried.
   */
  loadBackend(name: string): Promise<string | undefined>;
  /**
   * Makes the wasm backend find its binaries without any setup by the user, with `threads` threads where
   * the platform can run them. May return a function to call once the backend has initialised (or failed
   * to): it undoes what only the initialisation needed.
   */
  configureWasm(
    wasm: typeof import('@tensorflow/tfjs-backend-wasm'),
    threads?: number,
  ): Promise<(() => void) | undefined>;
  /** Logical cores this process may run on. */
  cores(): number;
  /**
   * Starts a thread running `source` (CommonJS) with `{ control, port }` as its `workerData`, and returns
   * the other end of `port`; `started` learns whether it did (its first message, or an error). Node only:
   * a browser's main thread may not block on another thread. The thread keeps the process alive only
   * until it has started, and one that fails to start only leaves its work to the others.
   */
  startThread?(
    source: string,
    control: SharedArrayBuffer,
    started: (ok: boolean) => void,
  ): { postMessage(message: unknown): void };
  readFile(path: string): Promise<Uint8Array>;
  /** Writes all of `data` or nothing: a crash never leaves a half-written file under `path`. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
}
