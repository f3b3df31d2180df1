/* Field keys: made from English labels, never a rule-language word or a system column, and
 * followed by the form's rules when they change. */

const RESERVED = new Set([
  "and", "or", "not", "in", "is", "null", "true", "false", "user", "id", "number",
  "created_at", "created_by", "updated_at", "updated_by", "version", "deleted",
  "deleted_at", "parent_id", "position",
]);
export function slug(text) {
  let key = String(text || "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 26);
  if (!key) return "";
  if (!/^[a-z]/.test(key)) key = "f_" + key;
  if (RESERVED.has(key)) key += "_value";
  return key;
}

// Replace a field key used as a bare name in the form's rules (text in quotes is kept).
export function renameInRules(body, oldKey, newKey) {
  const pattern = new RegExp("(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')|(?<![\\w.{])" + oldKey + "(?![\\w}])", "g");
  const fix = (text) => (typeof text === "string" ? text.replace(pattern, (m, quoted) => quoted || newKey) : text);
  const visit = (fields) => {
    for (const f of fields || []) {
      for (const name of ["visible_if", "required_if", "readonly_if", "expr", "default_rule"]) {
        if (f[name]) f[name] = fix(f[name]);
      }
      visit(f.fields);
    }
  };
  visit(body.fields);
}
