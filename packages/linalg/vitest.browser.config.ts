import { playwright } from '@vitest/browser-playwright';
import { mergeConfig } from 'vitest/config';
import { browserTests } from '../../vitest.shared.ts';
import { viteInlineWasm } from '../core/inline-wasm.ts';

export default mergeConfig(browserTests(playwright), { plugins: [viteInlineWasm] });
