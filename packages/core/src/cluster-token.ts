/**
 * The cluster's shared secret on HTTP between Kedge's own processes: a gateway sends it to the
 * runners' HTTP entry, and a request presenting it to a gateway counts as from inside the cluster
 * (cluster-local hosts answer). Never forwarded to a guest.
 */
export const CLUSTER_TOKEN_HEADER = 'kedge-cluster-token';

/** Shortest cluster token accepted (a guessable secret guards nothing). */
export const MIN_CLUSTER_TOKEN_LENGTH = 16;

const encoder = new TextEncoder();

/**
 * Whether `presented` equals the cluster token, in time that depends only on the token's length
 * (not on where the first difference is). No token configured matches nothing.
 */
export function clusterTokenMatches(presented: string | null | undefined, token: string | undefined): boolean {
  if (!token || presented === null || presented === undefined) return false;
  const a = encoder.encode(presented);
  const b = encoder.encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % (a.length || 1)] ?? 0) ^ b[i]!;
  return diff === 0;
}
