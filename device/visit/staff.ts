import { checkPin } from '../../protocol/session/hashes.js';
import type { SessionPackage } from '../../protocol/session/schema.js';
import type { PinRoute, StaffPinGuard } from './pin-guard.js';

/** Hashed with the same cost as a real credential, so an unknown id answers as slowly as a known one. */
const DUMMY = { salt: 'AAAAAAAAAAAAAAAAAAAAAA==', hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };

/**
 * Staff credentials come with the signed session package (id + scrypt PIN hash), so a booth
 * never holds a staff list of its own. A wrong id and a wrong PIN look the same to the caller,
 * and both count toward the PIN limit (pin-guard.ts), which may refuse with BOOTH_ERR_PIN_LOCKED.
 */
export class StaffDesk {
  constructor(
    private readonly pkg: () => SessionPackage | null,
    private readonly guard: StaffPinGuard,
  ) {}

  check(staffId: string, pin: string, route: PinRoute, visitId: string | null = null): Promise<boolean> {
    return this.guard.check(
      staffId,
      route,
      async () => {
        const cred = this.pkg()?.staff.find((s) => s.id === staffId);
        const ok = await checkPin(pin, cred ?? DUMMY);
        return cred !== undefined && ok;
      },
      visitId,
    );
  }
}
