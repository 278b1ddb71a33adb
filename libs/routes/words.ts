/**
 * Vocabulary that decides which path segments are endpoints (literal) rather than object ids.
 * Getting this wrong in the id direction merges distinct endpoints; in the literal direction it
 * leaks ids into route names and splits one route into thousands. Both hurt detection.
 */

/** FHIR R4 (4.0.1) resource type names. Case-sensitive: FHIR type names are PascalCase. */
export const FHIR_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'Account', 'ActivityDefinition', 'AdverseEvent', 'AllergyIntolerance', 'Appointment', 'AppointmentResponse',
  'AuditEvent', 'Basic', 'Binary', 'BiologicallyDerivedProduct', 'BodyStructure', 'Bundle', 'CapabilityStatement',
  'CarePlan', 'CareTeam', 'CatalogEntry', 'ChargeItem', 'ChargeItemDefinition', 'Claim', 'ClaimResponse',
  'ClinicalImpression', 'CodeSystem', 'Communication', 'CommunicationRequest', 'CompartmentDefinition', 'Composition',
  'ConceptMap', 'Condition', 'Consent', 'Contract', 'Coverage', 'CoverageEligibilityRequest',
  'CoverageEligibilityResponse', 'DetectedIssue', 'Device', 'DeviceDefinition', 'DeviceMetric', 'DeviceRequest',
  'DeviceUseStatement', 'DiagnosticReport', 'DocumentManifest', 'DocumentReference', 'EffectEvidenceSynthesis',
  'Encounter', 'Endpoint', 'EnrollmentRequest', 'EnrollmentResponse', 'EpisodeOfCare', 'EventDefinition', 'Evidence',
  'EvidenceVariable', 'ExampleScenario', 'ExplanationOfBenefit', 'FamilyMemberHistory', 'Flag', 'Goal',
  'GraphDefinition', 'Group', 'GuidanceResponse', 'HealthcareService', 'ImagingStudy', 'Immunization',
  'ImmunizationEvaluation', 'ImmunizationRecommendation', 'ImplementationGuide', 'InsurancePlan', 'Invoice', 'Library',
  'Linkage', 'List', 'Location', 'Measure', 'MeasureReport', 'Media', 'Medication', 'MedicationAdministration',
  'MedicationDispense', 'MedicationKnowledge', 'MedicationRequest', 'MedicationStatement', 'MedicinalProduct',
  'MedicinalProductAuthorization', 'MedicinalProductContraindication', 'MedicinalProductIndication',
  'MedicinalProductIngredient', 'MedicinalProductInteraction', 'MedicinalProductManufactured',
  'MedicinalProductPackaged', 'MedicinalProductPharmaceutical', 'MedicinalProductUndesirableEffect',
  'MessageDefinition', 'MessageHeader', 'MolecularSequence', 'NamingSystem', 'NutritionOrder', 'Observation',
  'ObservationDefinition', 'OperationDefinition', 'OperationOutcome', 'Organization', 'OrganizationAffiliation',
  'Parameters', 'Patient', 'PaymentNotice', 'PaymentReconciliation', 'Person', 'PlanDefinition', 'Practitioner',
  'PractitionerRole', 'Procedure', 'Provenance', 'Questionnaire', 'QuestionnaireResponse', 'RelatedPerson',
  'RequestGroup', 'ResearchDefinition', 'ResearchElementDefinition', 'ResearchStudy', 'ResearchSubject',
  'RiskAssessment', 'RiskEvidenceSynthesis', 'Schedule', 'SearchParameter', 'ServiceRequest', 'Slot', 'Specimen',
  'SpecimenDefinition', 'StructureDefinition', 'StructureMap', 'Subscription', 'Substance', 'SubstanceNucleicAcid',
  'SubstancePolymer', 'SubstanceProtein', 'SubstanceReferenceInformation', 'SubstanceSourceMaterial',
  'SubstanceSpecification', 'SupplyDelivery', 'SupplyRequest', 'Task', 'TerminologyCapabilities', 'TestReport',
  'TestScript', 'ValueSet', 'VerificationResult', 'VisionPrescription',
]);

/**
 * Endpoint words that stay literal wherever they appear, even at a position learned to hold ids,
 * so `/users/me` never merges with `/users/{id}`. Compared lowercased. Includes letter+digit words
 * that would otherwise look like FHIR logical ids (oauth2, sha256, ...).
 */
export const KNOWN_WORDS: ReadonlySet<string> = new Set([
  // the caller themself
  'me', 'self', 'current', 'mine', 'my',
  // auth
  'login', 'logout', 'signin', 'signout', 'signup', 'token', 'tokens', 'refresh', 'authorize', 'auth', 'oauth',
  'oauth2', 'oidc', 'openid', 'userinfo', 'introspect', 'revoke', 'register', 'callback', 'jwks', 'jwks.json',
  'session', 'sessions', 'password', 'mfa', '2fa', 'otp', 'saml', 'sso', 'launch', 'smart-configuration',
  'openid-configuration', '.well-known', 'well-known',
  // operations and collections-of-one
  'search', 'metadata', 'admin', 'new', 'edit', 'create', 'update', 'delete', 'count', 'all', 'latest', 'batch',
  'bulk', 'export', 'import', 'settings', 'config', 'profile', 'history', 'everything', 'graphql', 'query', 'list',
  'summary', 'stats', 'download', 'upload',
  // plumbing
  'api', 'fhir', 'rest', 'public', 'internal', 'health', 'healthz', 'ready', 'readyz', 'livez', 'ping', 'status',
  'version', 'swagger', 'openapi', 'docs',
  // letter+digit words
  'x509', 'sha1', 'sha256', 'sha512', 'md5', 'base64', 'utf8', 'ipv4', 'ipv6', 's3', 'h2', 'k8s', 'i18n', 'l10n',
  'b2b', 'b2c', 'e2e', 'p2p', 'html5', 'mp3', 'mp4', 'h264',
]);

/** API and FHIR version segments: v1, v2.1, v1beta1, R4, R4B, STU3, DSTU2. */
// NOTE: FHIR releases have one or two digits (R4, R4B, STU3): R3500 is a code, not a release.
const VERSION_RE = /^(?:v\d+(?:[._]\d+)*(?:(?:alpha|beta|rc)\d*)?|r\d{1,2}b?|stu\d{1,2}|dstu\d{1,2})$/i;

export function isKnownWord(segment: string): boolean {
  return KNOWN_WORDS.has(segment.toLowerCase()) || VERSION_RE.test(segment);
}
