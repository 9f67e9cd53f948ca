/**
 * secretm's error classes name themselves after their class (`this.name = new.target.name`,
 * shared/errors.ts). A minifier renames classes, so in the built layer the names are set again here,
 * from the names the classes are exported under (which are their class names), once, at load.
 */
import * as errors from '../../../shared/errors.ts';

for (const [name, value] of Object.entries(errors)) {
  if (typeof value === 'function' && value.name !== name)
    Object.defineProperty(value, 'name', { value: name });
}
