import { checkPin } from '../../protocol/session/hashes.js';
import type { SessionPackage } from '../../protocol/session/schema.js';

/**
 * Staff credentials come with the signed session package (id + scrypt PIN hash), so a booth
 * never holds a staff list of its own. A wrong id and a wrong PIN look the same to the caller.
 */
export class StaffDesk {
  constructor(private readonly pkg: () => SessionPackage | null) {}

  check(staffId: string, pin: string): boolean {
    const cred = this.pkg()?.staff.find((s) => s.id === staffId);
    if (!cred) {
      checkPin(pin, { salt: 'AAAAAAAAAAAAAAAAAAAAAA==', hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }); // same cost either way
      return false;
    }
    return checkPin(pin, cred);
  }
}
