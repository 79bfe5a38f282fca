import { Type } from '@sinclair/typebox';

/** Publishing the day's sessions (central/publish/). */
export const PackagesConfig = Type.Object(
  {
    timeZone: Type.String({
      default: 'Asia/Shanghai',
      description: 'the centre time zone: plan dates and times are local to it',
    }),
    unlockBeforeStartMin: Type.Integer({
      minimum: 0,
      maximum: 24 * 60,
      default: 30,
      description:
        "the roster unlocks this long before the day's first scheduled start, unless an unlock command comes earlier",
    }),
    expiresAfterLastStartHours: Type.Integer({ minimum: 1, maximum: 72, default: 14 }),
  },
  { additionalProperties: false, default: {} },
);
