/**
 * Saves text the API answered as a file. The API key travels in a header, so a plain link cannot
 * fetch it: the page fetches, then hands the browser a same-document Blob URL to save (CSP's
 * connect-src governs the fetch, which stays on the API's origin; the blob is never fetched).
 */
export function saveText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file by the time the click returns; the URL is no longer needed after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name an answer's Content-Disposition names, or the fallback. */
export function filenameOf(response: Response, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return match?.[1] ?? fallback;
}
