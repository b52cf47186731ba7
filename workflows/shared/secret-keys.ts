/**
 * Recognises keys that carry secrets, so a request holding a raw credential is refused with a message that
 * says how to pass a reference instead. The comparison ignores case and separators (`secretKey`, `secret-key`
 * and `SECRET_KEY` are one name), because a request may come from any language's JSON conventions.
 */

/** Whole key names (normalized) that are secrets: OMS's own, StartTask's, and the common cloud spellings. */
const SECRET_KEY_NAMES: ReadonlySet<string> = new Set([
  'ak',
  'sk',
  'srcak',
  'srcsk',
  'dstak',
  'dstsk',
  'accesskeyid',
  'secretaccesskey',
  'credentials',
  'sas',
]);

/** Fragments that make any key a secret: `password`, `secret`, `*_token`, `authentication_key`, … */
const SECRET_KEY_FRAGMENTS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'accesskey',
  'privatekey',
  'apikey',
  'authkey',
  'authenticationkey',
  'connectionstring',
  'jsonauthfile',
];

/** Lower-cases and drops everything but letters and digits. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * True when `key` names a secret: OMS's `ak`, `sk`, `security_token`, `json_auth_file`, `connection_string`,
 * `authentication_key`, StartTask's `src_ak`/`dst_sk`/…, or anything containing `password`, `secret`, `token`,
 * `access_key`, `private_key`, `api_key`.
 */
export function isSecretKey(key: string): boolean {
  const normalized = normalizeKey(key);
  if (SECRET_KEY_NAMES.has(normalized)) return true;
  return SECRET_KEY_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}
