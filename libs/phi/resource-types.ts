// Which FHIR resource types carry patient PHI when they appear in a response.
//
// Why these: each is a member of the FHIR R4 Patient compartment (it has a subject/patient/
// beneficiary reference, so one instance is about one identifiable person) or is the person itself
// (Patient, RelatedPerson, Person). Reading one discloses health information about a person, which
// is what HIPAA calls PHI. The list follows the compartment definition
// (https://hl7.org/fhir/R4/compartmentdefinition-patient.html), trimmed to the types real APIs serve.
//
// Not here on purpose: directory and infrastructure resources that describe no patient
// (Practitioner, PractitionerRole, Organization, Location, HealthcareService, Endpoint,
// Medication, Device definitions), conformance and terminology (CapabilityStatement,
// StructureDefinition, ValueSet, CodeSystem, SearchParameter, OperationDefinition), and envelopes
// (Bundle, Parameters, OperationOutcome). A Bundle counts through its entries, never by itself.
export const PHI_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  // the person
  'Patient',
  'RelatedPerson',
  'Person',
  // clinical
  'AllergyIntolerance',
  'Condition',
  'Procedure',
  'FamilyMemberHistory',
  'ClinicalImpression',
  'DetectedIssue',
  'RiskAssessment',
  'Observation',
  'DiagnosticReport',
  'Specimen',
  'ImagingStudy',
  'MolecularSequence',
  'Immunization',
  'ImmunizationEvaluation',
  'ImmunizationRecommendation',
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'MedicationDispense',
  'NutritionOrder',
  'ServiceRequest',
  'DeviceRequest',
  'DeviceUseStatement',
  'CarePlan',
  'CareTeam',
  'Goal',
  'Flag',
  // encounters, documents, communication
  'Encounter',
  'EpisodeOfCare',
  'Appointment',
  'AppointmentResponse',
  'DocumentReference',
  'DocumentManifest',
  'Composition',
  'QuestionnaireResponse',
  'Communication',
  'CommunicationRequest',
  'Consent',
  'AdverseEvent',
  // financial
  'Account',
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'Claim',
  'ClaimResponse',
  'ExplanationOfBenefit',
  'Invoice',
]);

/** Resource types whose `name` (HumanName) is a patient's or a relative's, so it counts as PHI. */
export const PERSON_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Patient', 'RelatedPerson', 'Person']);
