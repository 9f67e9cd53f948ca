/** Local mode's tenant: the operator key's, and the one the `secretm` layer reads for (layer.env). */
export const localTenant = 'default';
