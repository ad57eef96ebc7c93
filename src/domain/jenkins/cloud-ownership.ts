/** A cloud as Jenkins holds it: its JCasC symbol (`ecs`, `kubernetes`, `docker`, …) and its name. */
export interface ControllerCloud {
  kind: string;
  name: string;
}

/** What the controller's CasC sources declare, apart from the documents of the repository being registered. */
export interface DeclaredClouds {
  /** This repository's new documents, by cloud name. */
  own: readonly string[];
  /** Dockyard's documents of other repositories on the same controller (repository → cloud names). */
  otherRepositories: ReadonlyMap<string, readonly string[]>;
  /** Clouds the operator says the controller's other CasC sources declare. */
  otherSources: readonly string[];
}

/** Why a reload must not happen, or nothing to object to. */
export interface OwnershipVerdict {
  /** Clouds Jenkins has that no source declares: a reload would remove them (`kind:name`, once per copy). */
  vanishing: ControllerCloud[];
  /** Names this repository declares that another source declares too; JCasC would make two clouds. */
  duplicates: { name: string; alsoIn: string }[];
}

/**
 * Compares the clouds Jenkins has with what its sources declare. A reload sets Jenkins.clouds from the
 * sources alone (configuration-as-code-plugin: the `clouds` attribute of JenkinsConfigurator is applied
 * with replaceBy), concatenating the lists of several sources, so a cloud made in the UI or by a script
 * is gone afterwards, and one name declared in two sources becomes two clouds without any error. Counts
 * matter: a hand-made cloud named like a declared one is one copy too many and vanishes as well.
 */
export function judgeOwnership(current: readonly ControllerCloud[], declared: DeclaredClouds): OwnershipVerdict {
  const remaining = new Map<string, number>();
  const add = (name: string): void => void remaining.set(name, (remaining.get(name) ?? 0) + 1);
  declared.own.forEach(add);
  for (const names of declared.otherRepositories.values()) names.forEach(add);
  declared.otherSources.forEach(add);
  const vanishing: ControllerCloud[] = [];
  for (const cloud of current) {
    const left = remaining.get(cloud.name) ?? 0;
    if (left > 0) remaining.set(cloud.name, left - 1);
    else vanishing.push(cloud);
  }
  const duplicates: { name: string; alsoIn: string }[] = [];
  for (const name of new Set(declared.own)) {
    for (const [repo, names] of declared.otherRepositories) {
      if (names.includes(name)) duplicates.push({ name, alsoIn: `Dockyard's documents of ${repo}` });
    }
    if (declared.otherSources.includes(name)) duplicates.push({ name, alsoIn: "the controller's other CasC sources" });
  }
  return { vanishing, duplicates };
}
