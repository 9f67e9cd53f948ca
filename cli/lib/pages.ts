/** Every page of a listing, following its cursor. */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string | undefined }>,
  max = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.cursor;
  } while (cursor && items.length < max);
  return items.slice(0, max);
}
