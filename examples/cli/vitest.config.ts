import { nodeTests } from '../../vitest.shared.ts';

// Training steps take minutes on the cpu backend: this example's tests run on wasm.
export default nodeTests({ backends: ['wasm'] });
