import { playwright } from '@vitest/browser-playwright';
import { mergeConfig } from 'vitest/config';
import { browserTests } from '../../vitest.shared.ts';
import { viteInlineWasm } from './inline-wasm.ts';

export default mergeConfig(browserTests(playwright), { plugins: [viteInlineWasm] });
