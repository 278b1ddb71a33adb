import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the repository's fixtures/ folder. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${relative}`, import.meta.url));
}

/** The lines of a fixture file, without the final newline's empty line. */
export function fixtureLines(relative: string): string[] {
  const lines = readFileSync(fixturePath(relative), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The same three made-up JWTs (fake signatures) appear in every format's fixtures. */
export const JWT_PATIENT_PORTAL =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InZpZ2lsLWZpeHR1cmUtMSJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS1oZWFsdGgub3JnIiwic3ViIjoidXNlci0xMDAxIiwiY2xpZW50X2lkIjoicGF0aWVudC1wb3J0YWwiLCJzY29wZSI6ImxhdW5jaC9wYXRpZW50IHBhdGllbnQvUGF0aWVudC5yZWFkIHBhdGllbnQvT2JzZXJ2YXRpb24ucmVhZCBvcGVuaWQgZmhpclVzZXIiLCJwYXRpZW50IjoiMTIzIiwiZmhpclVzZXIiOiJQYXRpZW50LzEyMyIsImlhdCI6MTc5NTkyOTYwMCwiZXhwIjoxNzk1OTMzMjAwfQ.ZmFrZS1zaWduYXR1cmUtdXNlci0xMDAx';
export const JWT_CLINICIAN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InZpZ2lsLWZpeHR1cmUtMSJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS1oZWFsdGgub3JnIiwic3ViIjoidXNlci0yMDAyIiwiY2xpZW50X2lkIjoiY2xpbmljaWFuLWFwcCIsInNjb3BlIjoidXNlci9QYXRpZW50LnJlYWQgdXNlci9PYnNlcnZhdGlvbi5yZWFkIHVzZXIvUGF0aWVudC53cml0ZSIsImZoaXJVc2VyIjoiUHJhY3RpdGlvbmVyLzc3IiwiaWF0IjoxNzk1OTI5NjAwLCJleHAiOjE3OTU5MzMyMDB9.ZmFrZS1zaWduYXR1cmUtdXNlci0yMDAy';
export const JWT_BULK =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InZpZ2lsLWZpeHR1cmUtMSJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS1oZWFsdGgub3JnIiwic3ViIjoic3ZjLWJhdGNoIiwiY2xpZW50X2lkIjoiYnVsay1leHBvcnQiLCJzY29wZSI6InN5c3RlbS8qLnJlYWQiLCJpYXQiOjE3OTU5Mjk2MDAsImV4cCI6MTc5NTkzMzIwMH0.ZmFrZS1zaWduYXR1cmUtc3ZjLWJhdGNo';
