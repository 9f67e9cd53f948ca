/**
 * The signed-in API key: held in memory and in sessionStorage (this tab only, gone when it closes),
 * never in localStorage or a cookie. Signing out clears both.
 */
const storageKey = 'secretm.apiKey';
const listeners = new Set<() => void>();
let current: string | undefined = sessionStorage.getItem(storageKey) ?? undefined;

function changed(): void {
  for (const listener of listeners) listener();
}

export const session = {
  key: (): string | undefined => current,
  signIn(key: string): void {
    current = key;
    sessionStorage.setItem(storageKey, key);
    changed();
  },
  signOut(): void {
    current = undefined;
    sessionStorage.removeItem(storageKey);
    changed();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
