/**
 * Other spellings of a vault ref, each of which canonicalises back to it (shared/tenancy/canonical-ref.ts):
 * what an attacker tries to slip another tenant's ref past a namespace check.
 */
export const disguises: ((ref: string) => string)[] = [
  (ref) => encodeURIComponent(ref),
  (ref) => encodeURIComponent(encodeURIComponent(ref)),
  (ref) => ref.split('/').join('//'),
  (ref) => `/${ref.split('/').join('/./')}/`,
  (ref) => {
    const [first, second, ...rest] = ref.split('/');
    return [first, second, 'elsewhere', '..', ...rest].join('/');
  },
  (ref) => {
    const [first, second, third, ...rest] = ref.split('/');
    return [first?.toUpperCase(), second?.toUpperCase(), third?.toUpperCase(), ...rest].join('/');
  },
  (ref) => {
    const [first, second, third, ...rest] = ref.split('/');
    return [first, `${second}.`, `${third}..`, ...rest].join('/');
  },
  (ref) => ref.split('/').join('\\'),
  (ref) => ref.replace(/\//g, '%2F'),
];
