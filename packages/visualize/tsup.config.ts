import { defineConfig, library } from '../../tsup.shared.ts';

export default defineConfig(library());
