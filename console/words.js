// Reads a whole number of dong aloud in Vietnamese words, as a cashier would:
// 25000 -> "hai mươi lăm nghìn", 105 -> "một trăm linh năm", 21 -> "hai mươi mốt".

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];
const SCALES = ['', 'nghìn', 'triệu'];

// Tens and units of one group of three digits (tens, units < 10).
function tensWords(tens, units, odd) {
  if (tens === 0) return units === 0 ? [] : [odd, DIGITS[units]];
  const words = tens === 1 ? ['mười'] : [DIGITS[tens], 'mươi'];
  if (units === 1) words.push(tens === 1 ? 'một' : 'mốt');
  else if (units === 4) words.push(tens === 1 ? 'bốn' : 'tư');
  else if (units === 5) words.push('lăm');
  else if (units > 0) words.push(DIGITS[units]);
  return words;
}

// One group 1..999; `leading` is true for the highest group, which drops "không trăm".
function groupWords(n, leading, odd) {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor(n / 10) % 10;
  const units = n % 10;
  if (leading && hundreds === 0) {
    return tens === 0 ? [DIGITS[units]] : tensWords(tens, units, odd);
  }
  return [DIGITS[hundreds], 'trăm', ...tensWords(tens, units, odd)];
}

// Below one billion (tỷ): groups of thousands and millions.
function belowBillion(n, leading, odd) {
  const words = [];
  for (let scale = 2; scale >= 0; scale--) {
    const group = Math.floor(n / 1000 ** scale) % 1000;
    if (group === 0) continue;
    words.push(...groupWords(group, leading && words.length === 0, odd));
    if (SCALES[scale]) words.push(SCALES[scale]);
  }
  return words;
}

function wordsOf(n, leading, odd) {
  const billion = 1000000000n;
  if (n < billion) return belowBillion(Number(n), leading, odd);
  const high = wordsOf(n / billion, leading, odd);
  const rest = n % billion;
  return [...high, 'tỷ', ...(rest === 0n ? [] : wordsOf(rest, false, odd))];
}

// The words for a whole number (number, bigint or string of digits).
// options.odd: 'linh' (default) or 'lẻ' for a zero tens digit ("một trăm lẻ năm").
export function vietnameseNumber(value, options = {}) {
  const n = BigInt(value);
  if (n < 0n) return 'âm ' + vietnameseNumber(-n, options);
  if (n === 0n) return DIGITS[0];
  return wordsOf(n, true, options.odd || 'linh').join(' ');
}

// "hai mươi lăm nghìn đồng"
export function dongInWords(value, options) {
  return vietnameseNumber(value, options) + ' đồng';
}

// What the stall says when money arrives: "Đã nhận hai mươi lăm nghìn đồng".
export function receivedSentence(value) {
  return 'Đã nhận ' + dongInWords(value);
}
