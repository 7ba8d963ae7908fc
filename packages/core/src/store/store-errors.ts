import { StoreError } from '../errors.js';

/* The Store's errors, worded alike by every Store: the API turns them into the apiserver's Status. */

export function alreadyExists(kind: string, namespace: string, name: string): StoreError {
  return new StoreError('AlreadyExists', `${kind} ${namespace}/${name} already exists`);
}

export function notFound(kind: string, namespace: string, name: string): StoreError {
  return new StoreError('NotFound', `${kind} ${namespace}/${name} not found`);
}

/** A delete whose precondition (resourceVersion) the stored object no longer meets. */
export function modified(kind: string, namespace: string, name: string): StoreError {
  return new StoreError('Conflict', `${kind} ${namespace}/${name} has been modified`);
}

/** An update of a resourceVersion that is no longer the stored one, in the apiserver's words. */
export function conflict(kind: string, name: string): StoreError {
  return new StoreError(
    'Conflict',
    `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; ` +
      'please apply your changes to the latest version and try again',
  );
}
