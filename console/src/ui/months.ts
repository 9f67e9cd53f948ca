/** Months as the cost API names them (`YYYY-MM`, UTC). */

export function thisMonth(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

/** The month and the `count - 1` before it, oldest first. */
export function monthsEndingAt(month: string, count: number): string[] {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, index) => {
    const date = new Date(Date.UTC(year, monthNumber - 1 - (count - 1 - index), 1));
    return date.toISOString().slice(0, 7);
  });
}
