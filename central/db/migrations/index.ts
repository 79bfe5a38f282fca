import type { Migration } from '../migrate.js';
import { initial } from './001-initial.js';
import { reportIndexes } from './400-report-indexes.js';

/** Every migration, in order. A new one is a new module and one line here (ids 1xx inventory, 2xx plan/publish, 3xx collect, 4xx reports). */
export const MIGRATIONS: readonly Migration[] = [initial, reportIndexes];
