import { FieldError } from '../errors.js';

/** The part of Knative's `config-deployment` ConfigMap Kedge reads. */
export interface DeploymentConfig {
  /**
   * `registries-skipping-tag-resolving`: registries whose images are used as written, never resolved
   * to a digest (Knative's default: names used for local development that no registry answers for).
   */
  registriesSkippingTagResolving: string[];
}

export const DEPLOYMENT_CONFIG: DeploymentConfig = {
  registriesSkippingTagResolving: ['kind.local', 'ko.local', 'dev.local'],
};

export function parseDeploymentConfig(data: Record<string, string> | undefined): DeploymentConfig {
  const raw = data?.['registries-skipping-tag-resolving'];
  if (raw === undefined) return DEPLOYMENT_CONFIG;
  const registries = raw
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = registries.find((r) => /[\s/]/.test(r));
  if (bad !== undefined)
    throw new FieldError([
      {
        path: 'registries-skipping-tag-resolving',
        message: `"${bad}" is not a registry host (host[:port], comma-separated)`,
      },
    ]);
  return { registriesSkippingTagResolving: registries };
}
