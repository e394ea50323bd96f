// The ways to pay the market has set up (GET /v1/payment-methods), as labelled choices:
// e-wallets (every scheme but BANK_TRANSFER) and banks for VietQR (BANK_TRANSFER only).
import {h, field} from './dom.js';
import {get} from './api.js';
import {empty} from './ui.js';

const BANK = 'BANK_TRANSFER';

// Every method, in id order: [{id, name, scheme}].
export async function paymentMethods() {
  const answer = await get('/v1/payment-methods');
  return answer.methods || [];
}

export function wallets(methods) {
  return methods.filter((m) => m.scheme !== BANK);
}

export function banks(methods) {
  return methods.filter((m) => m.scheme === BANK);
}

// A labelled <select> of `methods` (the name shown, the id its value): {row, input, none}.
// With no method, row is the sentence `noneText`, input is null and none is true: the form's
// button is then disabled.
export function methodField(label, methods, noneText) {
  if (!methods.length) return {row: empty(noneText), input: null, none: true};
  const options = methods.map((m) => h('option', {value: m.id}, m.name || m.id));
  const {row, input} = field(label, {tag: 'select', required: true, options});
  return {row, input, none: false};
}
