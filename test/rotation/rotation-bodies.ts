/** Request bodies of `PUT /v1/secrets/{name}/rotation` the API tests share. */

/** New random values for `keys` every 30 days, 20 characters of letters and digits. */
export function randomRotationBody(keys: string[] = ['TOKEN']) {
  return {
    schedule: 'rate(30 days)',
    strategy: 'random' as const,
    options: {
      keys,
      policy: {
        length: 20,
        lowercase: true,
        uppercase: true,
        digits: true,
        symbols: false,
        exclude: '',
        requireEachClass: true,
      },
    },
  };
}
