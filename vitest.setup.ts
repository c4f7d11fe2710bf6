// Runs before every Node test file: the file's tests run on the backend its vitest project names.
import { ready } from '@cnn/core';

await ready({ backend: process.env.CNN_TEST_BACKEND ?? 'cpu' });
