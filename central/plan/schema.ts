import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/**
 * The day plan (the expert draw of one day) as the centre gives it to `booth-central plan import`.
 * This one schema is both forms: a folder of CSV files is this document with one file per
 * table (experts.csv = `experts`, ...), one row per element and one column per field, the same
 * names; the JSON document is it verbatim. It validates both, gives the types, and is written to
 * docs/plan.schema.json (docs/central.md, "The day plan", explains it).
 *
 * `title` says, for an operator, what a field expects: it is the text of the error naming a bad
 * cell (`assignments.csv row 7, field seat: expected an integer 1-99, got "x"`).
 */
export const PLAN_FORMAT = 'booth-plan/1';

const Id = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:-]+$',
  title: 'an id: 1-64 letters, digits and . _ : -',
});
/** Booth ids name packages `<date>.<boothId>`, which must stay within 64 characters. */
const BoothId = Type.String({
  minLength: 1,
  maxLength: 53,
  pattern: '^[A-Za-z0-9._-]+$',
  title: 'a booth id: 1-53 letters, digits and . _ -',
});
/** One line of text; control characters are refused (PostgreSQL cannot store a NUL, and none belongs in a name). */
const Text = (maxLength: number) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: '^[^\\u0000-\\u001F\\u007F]*$',
    title: `text of 1-${maxLength} characters, no control characters`,
  });
const Int = (minimum: number, maximum: number, description: string) =>
  Type.Integer({ minimum, maximum, title: `an integer ${minimum}-${maximum}`, description });
const Seat = Int(1, 99, 'committee seat');
/** A plan time: local to the centre (config packages.timeZone) unless it carries an offset. */
const Time = Type.String({
  pattern: '^(\\d{4}-\\d{2}-\\d{2}[ T])?\\d{2}:\\d{2}(:\\d{2})?(Z|[+-]\\d{2}:?\\d{2})?$',
  title: 'a time: HH:MM or YYYY-MM-DD HH:MM, local to the centre unless followed by an offset (Z, +08:00)',
});
/**
 * A file: a name relative to the plan's photos/ (photos) or pdfs/ (PDFs and places files) folder,
 * without `..`, or the bytes inline as a data URI (`data:image/jpeg;base64,...`).
 */
const FileRef = (folder: string) =>
  Type.String({
    minLength: 1,
    maxLength: 60_000_000,
    pattern: '^(data:[a-z]+/[a-z.+-]+;base64,[A-Za-z0-9+/]*={0,2}|[^/\\\\].*)$',
    title: `a file name under ${folder}/ (no "..") or a data: URI with the bytes in base64`,
  });

export const PlanExpert = Type.Object(
  {
    id: Id,
    name: Text(100),
    id_number: Type.String({
      minLength: 1,
      maxLength: 40,
      title: 'an 18-character PRC ID number',
      description: 'checked for its form and check digit (GB 11643); hashed into packages for the witnessed path',
    }),
    photos: Type.Array(FileRef('photos'), {
      minItems: 1,
      maxItems: 5,
      title: '1-5 JPEG reference photos (in CSV: names separated by ";")',
    }),
  },
  { additionalProperties: false, description: 'an expert of the draw (experts.csv)' },
);

export const PlanProject = Type.Object(
  {
    id: Id,
    name: Text(200),
    section: Text(200),
    room: Id,
    booth: Type.Optional(BoothId),
    scheduled_start: Time,
  },
  {
    additionalProperties: false,
    description:
      'a project evaluated that day (projects.csv); booth is needed when the room has several booths: a project is sealed at one booth',
  },
);

export const PlanDocument = Type.Object(
  {
    project: Id,
    id: Id,
    title: Text(200),
    file: FileRef('pdfs'),
    places: Type.Optional(FileRef('pdfs')),
  },
  {
    additionalProperties: false,
    description:
      'a PDF to sign (documents.csv); places: a PLACES.json-style file, else rows of places.csv, else the form fields sig.<seat>',
  },
);

export const PlanPlace = Type.Object(
  {
    project: Id,
    document: Id,
    seat: Seat,
    page: Int(1, 100_000, '1-based page'),
    x: Int(0, 100_000, 'left edge, PDF points from the page left'),
    y: Int(0, 100_000, 'bottom edge, PDF points from the page bottom'),
    width: Int(10, 2000, 'PDF points'),
    height: Int(5, 2000, 'PDF points'),
  },
  { additionalProperties: false, description: 'where one seat signs a document (places.csv)' },
);

export const PlanAssignment = Type.Object(
  { expert: Id, project: Id, seat: Seat, scheduled_sign_in: Time },
  { additionalProperties: false, description: 'an expert on a project committee (assignments.csv)' },
);

export const PlanStaff = Type.Object(
  {
    id: Id,
    pin: Type.String({ pattern: '^[0-9]{4,12}$', title: 'a PIN of 4-12 digits' }),
  },
  {
    additionalProperties: false,
    description: 'a staff member who may witness (staff.csv); the PIN is hashed at import',
  },
);

export const PlanRoom = Type.Object(
  { room: Id, booth: BoothId },
  { additionalProperties: false, description: 'a booth serving an evaluation room (rooms.csv); one row per booth' },
);

export const PlanSchema = Type.Object(
  {
    format: Type.Optional(Type.Literal(PLAN_FORMAT)),
    date: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        title: 'a date YYYY-MM-DD',
        description: 'the plan day (local date); else --date, else the date of the full times given',
      }),
    ),
    experts: Type.Array(PlanExpert, { maxItems: 20_000 }),
    projects: Type.Array(PlanProject, { maxItems: 2_000 }),
    documents: Type.Array(PlanDocument, { maxItems: 20_000 }),
    places: Type.Optional(Type.Array(PlanPlace, { maxItems: 1_000_000 })),
    assignments: Type.Array(PlanAssignment, { maxItems: 100_000 }),
    staff: Type.Array(PlanStaff, { maxItems: 100 }),
    rooms: Type.Array(PlanRoom, { maxItems: 10_000 }),
  },
  {
    additionalProperties: false,
    $id: 'https://booth.local/schemas/plan.json',
    title: 'Day plan',
    description:
      'the expert draw of one day; as a folder, each array is a CSV file of the same name (places.csv optional)',
  },
);
export type Plan = Static<typeof PlanSchema>;
export type PlanTable = 'experts' | 'projects' | 'documents' | 'places' | 'assignments' | 'staff' | 'rooms';

/** The CSV files of a plan folder, in the order problems are reported. */
export const PLAN_TABLES: readonly { table: PlanTable; required: boolean }[] = [
  { table: 'rooms', required: true },
  { table: 'experts', required: true },
  { table: 'projects', required: true },
  { table: 'documents', required: true },
  { table: 'places', required: false },
  { table: 'assignments', required: true },
  { table: 'staff', required: true },
];

/** The row schema of one table. */
export function rowSchema(table: PlanTable): TObject {
  return (PlanSchema.properties[table] as TSchema & { items: TObject }).items;
}

/** Fields whose values are never repeated in an error message (secrets and personal data). */
export const SECRET_FIELDS = new Set(['pin', 'id_number']);

/** The plan schema as a standalone JSON Schema document (docs/plan.schema.json). */
export function planSchemaJson(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...PlanSchema }, null, 2)}\n`;
}
