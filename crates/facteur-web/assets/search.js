// The search box: words anywhere (From, To, Subject or body: RFC 8621 §4.4.1), or `from:`, `to:`,
// `subject:` for one field; quotes keep words together (`subject:"lunch today"`).

const FIELDS = ['from', 'to', 'cc', 'subject', 'body'];

/** The Email/query filter for what was typed, or null for nothing. */
export function searchFilter(text) {
  const conditions = [];
  for (const match of text.matchAll(/(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)) {
    const name = match[1];
    const value = match[2] ?? match[3];
    if (!value) continue;
    const field = name?.toLowerCase();
    if (field && FIELDS.includes(field)) {
      conditions.push({ [field]: value });
    } else {
      const word = field ? `${name}:${value}` : value;
      // `text` is From, To, Cc, Bcc, Subject and the body at once (RFC 8621 §4.4.1): one condition, which the
      // server's full-text index can answer.
      conditions.push({ text: word });
    }
  }
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? conditions[0] : { operator: 'AND', conditions };
}
