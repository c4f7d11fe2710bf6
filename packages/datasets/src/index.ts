// @cnn/datasets: data sets. Its API lands with its issue; until then this entry exports nothing.
export {};
