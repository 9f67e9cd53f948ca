/** A chosen file as the API takes it: UTF-8 text as is, anything else base64. */
export async function readUpload(file: File): Promise<{ content: string; encoding: 'utf8' | 'base64' }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return { content: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { content: btoa(binary), encoding: 'base64' };
  }
}
