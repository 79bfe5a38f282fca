import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { rgb, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import { compileValidator } from '../../protocol/validate.js';
import { loadForUpdate } from './pdf-input.js';
import { checkSignaturesKept, signedFields } from './signatures-kept.js';
import { embedStampFont } from './stamp.js';
import { fieldNameFor, sealIncrement } from './seal.js';
import { expertName } from './names.js';
import { documentsOptions, formatStampTime, type DocumentsOptions } from './options.js';
import { checkRenderable } from './font.js';
import { timestampFrom } from './stamp-and-seal.js';
import type { SignerPem } from './cms.js';

/**
 * The certificate of completion: once every assigned seat has acted, one page appended to the
 * document listing each seat's expert, time, action, verification method and record id, sealed
 * like a stamp (its own incremental revision), so the list itself cannot be changed unnoticed.
 */
const Entry = Type.Object(
  {
    seat: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    time: Type.String({ format: 'date-time' }),
    action: Type.Union([Type.Literal('sign'), Type.Literal('dissent'), Type.Literal('refuse')]),
    method: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. face, id-card-witness' }),
    recordId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  },
  { additionalProperties: false },
);
export type CompletionEntry = Static<typeof Entry>;
const Fields = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 200 }),
  entries: Type.Array(Entry, { minItems: 1, maxItems: 30 }),
});
const fieldsValidator = compileValidator(Fields);

export interface CompletionRequest {
  pdf: Uint8Array;
  project: string;
  entries: CompletionEntry[];
  signer: SignerPem;
  now: Date;
  options?: Partial<DocumentsOptions>;
}

export interface CompletionResult {
  pdf: Buffer;
  sha256Before: string;
  sha256After: string;
  /** 1-based number of the appended page. */
  page: number;
  level: 'B-B' | 'B-T';
}

export const ACTION_LABEL = { sign: '签署', dissent: '持不同意见签署', refuse: '拒绝签署' } as const;
const METHOD_LABEL: Record<string, string> = { face: '人脸识别', 'id-card-witness': '身份证 + 工作人员见证' };
const A4: [number, number] = [595.28, 841.89];
const COLUMNS = [
  { title: '席位', x: 50 },
  { title: '专家', x: 100 },
  { title: '时间', x: 190 },
  { title: '操作', x: 290 },
  { title: '验证方式', x: 380 },
  { title: '记录号', x: 470 },
];

function row(page: PDFPage, font: PDFFont, cells: string[], y: number, size: number): void {
  cells.forEach((text, i) => {
    const col = COLUMNS[i];
    if (!col) return;
    const next = COLUMNS[i + 1]?.x ?? 560;
    // Shrink a cell's text rather than let it run into the next column.
    const fit = Math.min(size, ((next - col.x - 6) / Math.max(1, font.widthOfTextAtSize(text, 1))) * 1);
    page.drawText(text, { x: col.x, y, size: Math.max(4, fit), font, color: rgb(0.1, 0.1, 0.1) });
  });
}

export async function appendCompletionPage(req: CompletionRequest): Promise<CompletionResult> {
  fieldsValidator.parse({ project: req.project, entries: req.entries }, 'completion');
  req = {
    ...req,
    entries: req.entries.map((e, i) => ({ ...e, name: expertName(e.name, `completion entry ${i + 1}`) })),
  };
  const opts = documentsOptions(req.options);
  const labels = req.entries.map((e) => ({ ...e, method: METHOD_LABEL[e.method] ?? e.method }));
  const allText = [req.project, ...labels.flatMap((e) => [e.name, e.method])].join('');
  await checkRenderable(allText, 'completion');
  const before = createHash('sha256').update(req.pdf).digest('hex');
  const doc = await loadForUpdate(req.pdf, opts.maxPdfBytes);
  const signedBefore = signedFields(doc);
  const font = await embedStampFont(doc, [req.project, ...labels.map((e) => e.name)]);
  const page = doc.addPage(A4);
  const pageNumber = doc.getPageCount();
  page.drawText('评标报告签署完成证明', { x: 50, y: 780, size: 20, font });
  page.drawText(`项目: ${req.project}`, { x: 50, y: 748, size: 11, font });
  page.drawText(`完成时间: ${formatStampTime(req.now, opts.timeZone)} (${opts.timeZone})`, {
    x: 50,
    y: 730,
    size: 11,
    font,
  });
  row(
    page,
    font,
    COLUMNS.map((c) => c.title),
    700,
    10,
  );
  page.drawLine({ start: { x: 50, y: 694 }, end: { x: 560, y: 694 }, thickness: 0.5 });
  labels.forEach((e, i) => {
    const cells = [
      e.seat,
      e.name,
      formatStampTime(new Date(e.time), opts.timeZone),
      ACTION_LABEL[e.action],
      e.method,
      e.recordId,
    ];
    row(page, font, cells, 678 - i * 16, 9);
  });
  const footY = 678 - labels.length * 16 - 20;
  page.drawText('本页列出每个席位的签署结果, 并与各专家的签名一样以数字签名 (PAdES) 封存。', {
    x: 50,
    y: footY,
    size: 9,
    font,
  });
  page.drawText('每位专家的签名、手写动态数据与签署前文件摘要作为附件绑定在其签名修订版本中。', {
    x: 50,
    y: footY - 14,
    size: 9,
    font,
  });
  const { pdf, level } = await sealIncrement(doc, req.pdf, {
    signer: req.signer,
    reason: `评标报告签署完成证明: ${req.project}`,
    name: 'booth',
    location: opts.location,
    now: req.now,
    fieldName: fieldNameFor('Completion', before.slice(0, 12)),
    pageIndex: pageNumber - 1,
    reserveBytes: opts.signatureReserveBytes,
    timestamp: timestampFrom(opts),
  });
  checkSignaturesKept(req.pdf, pdf, { before: signedBefore, after: signedFields(doc) });
  return {
    pdf,
    level,
    sha256Before: before,
    sha256After: createHash('sha256').update(pdf).digest('hex'),
    page: pageNumber,
  };
}
