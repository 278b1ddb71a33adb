export { createPhiClassifier, PHI_CLASSIFIER_DEFAULTS, type Bodies, type PhiClassifier, type PhiClassifierConfig } from './classify.js';
export { addPhi, decodePhiEvidence, mergePhi, phiEvidence, phiPhrase, type PhiEvidence } from './evidence.js';
export { PERSON_RESOURCE_TYPES, PHI_RESOURCE_TYPES } from './resource-types.js';
export { isBirthDate, isMrnValue, isValidNpi, isValidSsn } from './validators.js';
