// @cnn/linalg: linear algebra. Its API lands with its issue; until then this entry exports nothing.
export {};
