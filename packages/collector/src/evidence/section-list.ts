import type { SectionDefinition } from './section.ts';
import { accessSection } from './sections/access.ts';
import { changesSection } from './sections/changes.ts';
import { credentialsSection } from './sections/credentials.ts';
import { incidentsSection } from './sections/incidents.ts';
import { inferenceAccessSection } from './sections/inference-access.ts';
import { integritySection } from './sections/integrity.ts';
import { inventorySection } from './sections/inventory.ts';
import { modelChangesSection } from './sections/model-changes.ts';
import { modelTamperingSection } from './sections/model-tampering.ts';
import { modelsSection } from './sections/models.ts';
import { retentionSection } from './sections/retention.ts';

/** The report's sections in order: a section's heading number is its place here. */
export const EVIDENCE_SECTIONS: readonly SectionDefinition[] = [
  inventorySection,
  accessSection,
  credentialsSection,
  changesSection,
  incidentsSection,
  modelsSection,
  inferenceAccessSection,
  modelChangesSection,
  modelTamperingSection,
  integritySection,
  retentionSection,
];
