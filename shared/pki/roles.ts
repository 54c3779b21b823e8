// The certificate roles, apart from the issuing code (ca.ts loads node-forge; verifiers such as the
// camera need only the names and must not pay for forge at start).
export const ROLES = ['camera', 'dock', 'technician', 'central', 'broker'] as const;
export type Role = (typeof ROLES)[number];
