import { LayerError } from '../errors';
import type { Files } from './platform_types';

/** A location relative to the page (or worker), as an absolute URL. */
const absolute = (location: string, base = globalThis.location?.href) => {
  try {
    return new URL(location, base).href;
  } catch (error) {
    throw new LayerError(`'${location}' is not a URL this page can fetch`, { cause: error });
  }
};

/**
 * The browser's side of paths: a path or `file://` URL is a URL relative to the page, fetched (a directory
 * means its model.json); writing files is impossible here, so saving to one throws a LayerError that says
 * which URLs work.
 *
 * @example
 * ```ts
 * import { files } from '#platform';
 * const bytes = await files.read(files.modelPath('models/mnist'));   // GET models/mnist/model.json
 * ```
 */
export const files: Files = {
  modelPath(location) {
    const path = location.replace(/^file:\/\//i, '');
    return absolute(path.endsWith('.json') ? path : `${path.replace(/\/?$/, '/')}model.json`);
  },

  async read(path) {
    let response: Response;
    try {
      response = await fetch(path);
    } catch (error) {
      throw new LayerError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok)
      throw new LayerError(`cannot read ${path}: HTTP ${response.status} ${response.statusText}`.trim());
    return new Uint8Array(await response.arrayBuffer());
  },

  resolve(modelPath, relative) {
    return absolute(relative, modelPath);
  },

  async writeModel(path) {
    throw new LayerError(
      `cannot write files in a browser (${path}); save to indexeddb://name or localstorage://name, ` +
        'POST to an http(s):// URL, or pass a tf.io IOHandler (tf.io.browserDownloads() for a download)',
    );
  },
};
