/** Tags as typed in one field: `key=value` entries separated by commas or line breaks. */
export function parseTags(text: string): { tags: Record<string, string>; problem?: string } {
  const tags: Record<string, string> = {};
  for (const entry of text.split(/[,\n]/).map((part) => part.trim())) {
    if (entry === '') continue;
    const at = entry.indexOf('=');
    if (at <= 0) return { tags, problem: `Tags: "${entry}" is not key=value` };
    tags[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return { tags };
}

export const formatTags = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
