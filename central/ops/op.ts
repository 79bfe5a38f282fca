import type { Static, TSchema } from '@sinclair/typebox';
import type { CentralContext } from '../context.js';

/**
 * One operator action (add a booth, import a plan, publish, a report...), defined once: the
 * admin API serves it at `url` (validated with `input` and `output`), the `booth-central`
 * command calls it directly on the database or, while a service runs on the same data dir,
 * through that admin API (the embedded database has one owner). `GET` ops take their input as
 * the query string (flat objects only); `POST` ops as a JSON body.
 */
export interface Op<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  name: string;
  summary: string;
  method: 'GET' | 'POST';
  url: string;
  input: I;
  output: O;
  run(ctx: CentralContext, input: Static<I>): Promise<Static<O>>;
}

export function defineOp<I extends TSchema, O extends TSchema>(op: Op<I, O>): Op<I, O> {
  return op;
}
