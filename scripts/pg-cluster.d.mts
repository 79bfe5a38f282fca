export function pgBinDir(): string;
export function startCluster(dir: string, o?: { durable?: boolean }): string;
export function stopCluster(dir: string): void;
