/** Encoders for the PDF filters without a Node.js counterpart (ISO 32000-1 §7.4.3, 7.4.5), to build test streams. */

export function encodeAscii85(data: Uint8Array): Buffer {
  let out = '';
  for (let at = 0; at < data.length; at += 4) {
    const group = data.subarray(at, at + 4);
    let value = 0;
    for (let i = 0; i < 4; i++) value = value * 256 + (group[i] ?? 0);
    if (group.length === 4 && value === 0) {
      out += 'z';
      continue;
    }
    const digits: string[] = [];
    for (let i = 0; i < 5; i++) {
      digits.unshift(String.fromCharCode(33 + (value % 85)));
      value = Math.floor(value / 85);
    }
    out += digits.slice(0, group.length + 1).join('');
  }
  return Buffer.from(`${out}~>`, 'latin1');
}

export function encodeRunLength(data: Uint8Array): Buffer {
  const out: number[] = [];
  let at = 0;
  while (at < data.length) {
    let run = 1;
    while (at + run < data.length && run < 128 && data[at + run] === data[at]) run++;
    if (run > 1) {
      out.push(257 - run, data[at]!);
      at += run;
      continue;
    }
    let literal = 1;
    while (at + literal < data.length && literal < 128 && data[at + literal] !== data[at + literal - 1]) literal++;
    out.push(literal - 1, ...data.subarray(at, at + literal));
    at += literal;
  }
  out.push(128);
  return Buffer.from(out);
}
