// Valid test identities: ID numbers (GB 11643), unified social credit codes (GB 32100), phones.
import { randomInt } from 'node:crypto';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/** A valid 18-character ID number with a random 3-digit sequence. */
export function randomIdNumber({ region = '370102', birth = '19850315' } = {}) {
  const seq = String(randomInt(0, 1000)).padStart(3, '0');
  const first17 = region + birth + seq;
  return first17 + idCheckChar(first17);
}

/** The same ID number with a wrong (but well-formed) check character. */
export function withWrongCheckChar(id) {
  const right = id[17];
  const wrong = [...'0123456789X'].find((c) => c !== right);
  return id.slice(0, 17) + wrong;
}

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** A valid 18-character unified social credit code: 91 + region + 9 random chars + check. */
export function randomCreditCode({ region = '370100' } = {}) {
  let body = '';
  for (let i = 0; i < 9; i++) body += USCC_CHARSET[randomInt(0, USCC_CHARSET.length)];
  const first17 = '91' + region + body;
  return first17 + usccCheckChar(first17);
}

export function randomPhone() {
  return '138' + String(randomInt(0, 100_000_000)).padStart(8, '0');
}

export const PASSWORD = 'Zc#2026abc';

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红';

/** A random Chinese personal name (surname + 2 characters); names allow no digits. */
export function randomChineseName() {
  const pick = (s) => s[randomInt(0, s.length)];
  return pick(SURNAMES) + pick(GIVEN) + pick(GIVEN);
}

/** A random run of Chinese characters, to make unit names unique between runs. */
export function randomHanzi(n = 4) {
  let out = '';
  for (let i = 0; i < n; i++) out += GIVEN[randomInt(0, GIVEN.length)];
  return out;
}
