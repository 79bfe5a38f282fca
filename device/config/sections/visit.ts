import { Type, type Static } from '@sinclair/typebox';

/** Settings of the visit feature (device/visit/, device/session/). Owned by that feature; every field has a default. */
const ms = (def: number, description: string, min = 1000) =>
  Type.Integer({ minimum: min, maximum: 3_600_000, default: def, description });

export const VisitTimeoutsConfig = Type.Object(
  {
    consent: ms(60_000, 'consent screen'),
    capture: ms(30_000, 'looking at the camera without a decision'),
    witness: ms(180_000, 'staff-witnessed verification'),
    rejected: ms(30_000, '"not recognised, try again?"'),
    projects: ms(60_000, 'choosing a project'),
    action: ms(60_000, 'choosing sign, dissent or refuse'),
    signing: ms(90_000, 'signing on the tablet (restarts with every stroke)'),
    confirm: ms(60_000, 'confirming'),
    receipt: ms(20_000, 'the receipt stays this long'),
    failed: ms(60_000, 'the "please ask staff" fault screen'),
  },
  { additionalProperties: false, default: {} },
);

export const VisitConfig = Type.Object(
  {
    consentVersion: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'face-consent/1',
      description: 'version of the consent text the kiosk shows (device/ui/consent.*); recorded per visit',
    }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 3,
      description: 'failed verifications before the lockout',
    }),
    lockoutMs: ms(120_000, 'after the last failed attempt the booth asks for staff this long'),
    timeouts: VisitTimeoutsConfig,
    frameIntervalMs: Type.Integer({
      minimum: 50,
      maximum: 5000,
      default: 200,
      description:
        'pause between frames for a camera that takes one picture per grab (fswebcam, folder simulator) and after a failed grab; a streaming camera is read as fast as the analysis goes',
    }),
    framesToDecide: Type.Integer({
      minimum: 1,
      maximum: 30,
      default: 3,
      description: 'usable frames (one face, no quality problem) that must agree before verified or rejected',
    }),
    activeLiveness: Type.Boolean({
      default: true,
      description:
        'after the face matches, ask for a random action (blink, turn left or right: face.challenge) that a photo cannot do. A hall setting: off lets a photo or a replayed video of an expert sign (docs/face.md); every start with it off, and turning it back on, is journalled (audit liveness.setting). Off only for cameras that cannot show a blink (the simulator, the demo)',
    }),
    session: Type.Object(
      {
        centralKey: Type.String({
          default: '',
          description:
            'PEM public key or certificate of the central server that signs session packages; empty = <dataDir>/identity/central-session.pem',
        }),
        demo: Type.Union([Type.Literal('off'), Type.Literal('sim')], {
          default: 'sim',
          description:
            'sim: when the camera is simulated and no package is installed, build and trust the demo session (test/fixtures/session)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    sealedDir: Type.String({
      default: '',
      description:
        'ignored: sealed revisions are store blobs named by the sign records (docs/visit.md); kept so older files still load',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type VisitSettings = Static<typeof VisitConfig>;
