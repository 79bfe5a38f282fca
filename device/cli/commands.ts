import type { Command } from './command.js';

/**
 * Every `booth` subcommand, loaded only when it runs: `booth --help` must not pay for the face
 * engine, pdf-lib, the store and the HTTP server (1.9 s before, issue 16). Name and summary live
 * here for the help text; a test checks they match each command module. A new command is a new
 * module and one entry here.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    summary: 'run the booth service (kiosk page, APIs, hardware)',
    load: async () => (await import('./start.js')).startCommand,
  },
  {
    name: 'doctor',
    summary: 'check config, models, camera, tablet, LEDs, disk and clock; non-zero exit on any failure',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  {
    name: 'provision',
    summary: 'enroll this booth with the central server, install models, find hardware, write the config',
    load: async () => (await import('./provision.js')).provisionCommand,
  },
  {
    name: 'stamp',
    summary: "stamp one expert's signature on every place of their seat and seal the PDF (PAdES, incremental)",
    load: async () => (await import('./stamp.js')).stampCommand,
  },
  {
    name: 'verify',
    summary: 'verify every PDF signature of a file: digests, CMS signatures, revisions appended since',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    name: 'tablet',
    summary: 'signature tablet tools: decode bytes, render samples, listen to a live tablet',
    load: async () => (await import('./tablet.js')).tabletCommand,
  },
  {
    name: 'face',
    summary: 'face engine tools: evaluate on pairs, identify against a gallery, check one image',
    load: async () => (await import('./face.js')).faceCommand,
  },
  {
    name: 'store',
    summary: 'store verify: recover the journal and verify every record (hash, signature, chain); sync cursor',
    load: async () => (await import('../store/cli-store.js')).storeCommand,
  },
  {
    name: 'demo',
    summary: 'run one complete visit headless in simulation and print the sealed PDFs and the record',
    load: async () => (await import('./demo.js')).demoCommand,
  },
];
