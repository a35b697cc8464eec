/**
 * VM actions on a host (the VM API, `src/server/vm-api.ts` on the virt
 * branch): which actions a VM's state allows, and the create form checked the
 * way the server checks it. Pure.
 */
import type { NewVm, VmAction } from '../api.ts';
import type { ManagementLink, ManagementMode, OperationState, VmImage, VmInfo } from '../types.ts';

/** A VM name as the server accepts it: 1–64 letters, digits, `. _ -`, not starting with `. _ -`. */
export const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Actions offered for a VM; none while an operation is in flight or for a device with no VM record. */
export function vmActions(vm: VmInfo): VmAction[] {
  if (vm.registeredOnly || vm.pending || vm.state === 'creating' || vm.state === 'deleting') return [];
  const out: VmAction[] = [];
  if (vm.state === 'stopped' || vm.state === 'crashed') out.push('start');
  if (vm.state === 'running') out.push('stop');
  if (vm.clientInstalled === false) out.push('install-client');
  out.push('delete');
  return out;
}

/** A button's words for an action. */
export function actionLabel(a: VmAction): string {
  return a === 'install-client' ? 'Install DM client' : a[0]!.toUpperCase() + a.slice(1);
}

/** The create form as typed; `mode` empty: the host gateway's default. */
export interface VmFormFields { name: string; kind: 'personal' | 'enterprise'; image: string; withClient: 'image' | 'yes' | 'no'; mode?: '' | ManagementMode }

/** The body of `POST /api/devices/{host}/vms`, or what to fix. */
export function newVmBody(f: VmFormFields, images: readonly VmImage[]): NewVm | { field: keyof VmFormFields; message: string } {
  const name = f.name.trim();
  if (!VM_NAME_RE.test(name)) return { field: 'name', message: '1–64 letters, digits, . _ - (starting with a letter or digit)' };
  const image = images.find((i) => i.name === f.image);
  if (!image) return { field: 'image', message: 'choose one of the stored images' };
  const body: NewVm = { name, kind: f.kind, image: f.image };
  if (f.withClient !== 'image') body.withClient = f.withClient === 'yes';
  if (f.mode) {
    if (!(body.withClient ?? image.withClient)) return { field: 'mode', message: 'a management mode needs a DM client in the VM' };
    body.mode = f.mode;
  }
  return body;
}

/** The images fit for a kind first (an image's kind names what it was built for), then the others. */
export function imagesFor(kind: VmFormFields['kind'], images: readonly VmImage[]): VmImage[] {
  const fit = (i: VmImage) => (i.kind.toLowerCase() === kind ? 0 : 1);
  return [...images].sort((a, b) => fit(a) - fit(b) || (a.name < b.name ? -1 : 1));
}

/** Whether an operation's state is final (the VM action is over). */
export function isFinal(state: OperationState | string): boolean {
  return ['succeeded', 'failed', 'cancelled', 'expired'].includes(state);
}

/**
 * The mode a device can be switched to from the console: direct ↔
 * transparent, and only for a device known behind a gateway. Proxy is chosen
 * when the VM is created (its client's account names the gateway).
 */
export function modeSwitch(link: Pick<ManagementLink, 'mode' | 'via'>): ManagementMode | undefined {
  if (!link.via) return undefined;
  if (link.mode === 'direct') return 'transparent';
  if (link.mode === 'transparent') return 'direct';
  return undefined;
}
