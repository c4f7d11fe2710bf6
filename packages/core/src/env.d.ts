// Assets in Vite's syntax. `?inline`: the file as a data: URL (tsup.config.ts builds the same for the
// browser bundle); `?url`: where the dev server serves it (browser tests only).
declare module '*.wasm?inline' {
  const dataUrl: string;
  export default dataUrl;
}

declare module '*.jpg?url' {
  const url: string;
  export default url;
}
