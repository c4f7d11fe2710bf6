// @cnn/zoo: architectures. Its API lands with its issue; until then this entry exports nothing.
export * from './weights';
