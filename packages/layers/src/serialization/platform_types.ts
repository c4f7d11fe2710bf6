/** What saving and loading need of the file system: Node's, or a browser's stand-in that says it has none. */
export interface Files {
  /** model.json's path for a `file://` URL or a plain path; a path without `.json` is a directory holding it. */
  modelPath(location: string): string;
  /** A file's bytes; a missing or unreadable file throws a LayerError naming it. */
  read(path: string): Promise<Uint8Array>;
  /** A path the manifest gives, relative to model.json's directory. */
  resolve(modelPath: string, relative: string): string;
  /**
   * Writes the weight shards, then model.json (made by `json` from the shards' file names), each to a
   * temporary file renamed into place, so that a crash leaves the previous save or the new one whole,
   * never a model.json that lists missing or partial shards. Shards the new model.json no longer lists
   * are removed after it is in place.
   */
  writeModel(
    modelPath: string,
    shards: readonly Uint8Array[],
    json: (paths: string[]) => string,
  ): Promise<void>;
}
