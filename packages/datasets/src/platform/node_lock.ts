import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../errors';
import { reason } from './node_fs';

/** A lock not refreshed for this long belongs to a process that is gone (on another host, say). */
const STALE_LOCK_MS = 30_000;
const HEARTBEAT_MS = 5_000;

/**
 * Takes `path` as a lock file (exclusive create), waiting while another live process holds it. A lock is
 * stale when its process is gone (same host, pid not running: an interrupted run) or its heartbeat stopped.
 * Resolves to the function that releases it.
 *
 * @example
 * ```ts
 * const release = await lockFile(`${final}.lock`, signal);
 * try { await fetchInto(part); } finally { await release(); }
 * ```
 */
export async function lockFile(path: string, signal: AbortSignal | undefined): Promise<() => Promise<void>> {
  const token = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}`;
  for (;;) {
    signal?.throwIfAborted();
    try {
      await writeFile(path, token, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SourceError(`cannot create the lock '${path}': ${reason(error)}`, path, { cause: error });
      }
    }
    if (await isStale(path)) await rm(path, { force: true });
    // On abort, reject with the signal's reason, as fetch does.
    else await sleep(100, undefined, { signal }).catch(() => signal?.throwIfAborted());
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    // Remove only our own lock, never one another process took over.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === token) await rm(path, { force: true });
  };
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const [pid, host] = content.split(' ');
    if (host === hostname() && pid && !isRunning(Number(pid))) return true;
    return Date.now() - info.mtimeMs > STALE_LOCK_MS;
  } catch {
    return false; // Gone already: the next attempt takes it.
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
