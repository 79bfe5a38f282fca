/**
 * The central server's database port: PostgreSQL through `pg` (a server named by DATABASE_URL)
 * or PGlite (the same PostgreSQL, compiled to WebAssembly, embedded in the data dir). Both run
 * the same SQL; features write plain parameterised SQL against this interface and are tested on
 * both. Result types are normalised: int8 (bigint, bigserial, count(*)) arrives as a JS number
 * (sequence numbers and counts stay far below 2^53), timestamptz as a Date, json/jsonb parsed.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements without parameters (a migration). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** A short description for logs and status (never the password). */
  readonly describe: string;
  /**
   * Runs `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK when it throws). Several central
   * processes may share a PostgreSQL server: take row locks (SELECT ... FOR UPDATE) or advisory
   * locks inside for anything that must happen once.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
