/** Whether the component is still on screen: a long action that ends after the user left must not act on it. */
import { useEffect, useRef } from 'preact/hooks';

export function useMounted(): { readonly current: boolean } {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}
