import { createHash } from 'node:crypto';

/**
 * A stable id for the pod template of one image in one cloud of one repository. kubernetes-plugin
 * PodTemplate.java (@DataBoundConstructor PodTemplate(@CheckForNull String id)) gives a template without
 * an id a random UUID on every apply, and KubernetesSlave.java resolves an agent's template by the id
 * it stored ("Unable to resolve pod template from id=…"), so after a reload or restart running agents
 * would lose their template. The id is derived from names only (never the digest), so a new publish of
 * the same image keeps it; it is shaped like a name-based UUID (RFC 9562 version 8 layout).
 */
export function podTemplateId(repo: string, cloud: string, image: string): string {
  const hex = createHash('sha256').update(`dockyard\0${repo}\0${cloud}\0${image}`).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
