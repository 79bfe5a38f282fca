import type { Migration } from '../migrate.js';
import { initial } from './001-initial.js';
import { inventory } from './101-inventory.js';
import { planPublish } from './200-plan-publish.js';
import { keyRotations } from './201-key-rotations.js';
import { collect } from './301-collect.js';
import { payloadExact } from './302-payload-exact.js';
import { reportIndexes } from './400-report-indexes.js';

/** Every migration, in order. A new one is a new module and one line here (ids 1xx inventory, 2xx plan/publish, 3xx collect, 4xx reports). */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  inventory,
  planPublish,
  keyRotations,
  collect,
  payloadExact,
  reportIndexes,
];
