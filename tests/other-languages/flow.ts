// Type-checked (never run) against the types openapi-typescript generates from
// openapi/jumio-kyx.yaml: `.ci/other-languages.sh` writes them to `jumio-kyx.ts` next to a copy
// of this file and runs `tsc --noEmit` with tsconfig.json (strict). It builds the 10011 account
// creation request and reads a workflow execution details response with those types only.
import type { components, operations, paths } from "./jumio-kyx";

type Schemas = components["schemas"];
type AccountRequest = Schemas["AccountRequest"];
type AccountResponse = Schemas["AccountResponse"];
type WorkflowExecutionDetails = Schemas["WorkflowExecutionDetails"];

// The operation's request and response bodies are the named schemas.
type CreateAccount = paths["/api/v1/accounts"]["post"];
type CreateBody = CreateAccount["requestBody"]["content"]["application/json"];
type CreateResult = operations["createAccount"]["responses"][200]["content"]["application/json"];
type Details =
  operations["getWorkflowExecution"]["responses"][200]["content"]["application/json"];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const createBodyIsAccountRequest: Same<CreateBody, AccountRequest> = true;
const createResultIsAccountResponse: Same<CreateResult, AccountResponse> = true;
const detailsIsWorkflowExecutionDetails: Same<Details, WorkflowExecutionDetails> = true;

// Every request carries a User-Agent: the spec makes it a required header parameter.
type CreateHeaders = operations["createAccount"]["parameters"]["header"];
export const headers: CreateHeaders = { "User-Agent": "YourCompany YourApp/v1.0" };
// @ts-expect-error the User-Agent header is required
export const noUserAgent: CreateHeaders = {};

/** The 10011 account creation request: an ID (US driving licence or passport) and a selfie. */
export function createRequest10011(reference: string): CreateBody {
  const request: AccountRequest = {
    customerInternalReference: reference,
    userReference: "user-0815",
    tokenLifetime: "30m",
    workflowDefinition: {
      key: 10011,
      credentials: [
        {
          category: "ID",
          type: { predefinedType: "DEFINED", values: ["DRIVING_LICENSE", "PASSPORT"] },
          country: { values: ["USA"] },
        },
      ],
    },
    web: { locale: "en-GB" },
    userConsent: {
      userIp: "203.0.113.7",
      userLocation: { country: "USA", state: "IL" },
      consent: { obtained: "yes", obtainedAt: "2026-11-02T09:15:27.103Z" },
    },
  };
  return request;
}

// Wrong field types and values are rejected.
export const wrongKeyType: AccountRequest = {
  customerInternalReference: "order-1",
  // @ts-expect-error the workflow definition key is a number, not a string
  workflowDefinition: { key: "10011" },
};
export const wrongCountry: AccountRequest = {
  customerInternalReference: "order-1",
  workflowDefinition: {
    key: 10011,
    // @ts-expect-error request enumerations are closed: "US" is not an ISO 3166-1 alpha-3 code
    credentials: [{ category: "ID", country: { values: ["US"] } }],
  },
};
// @ts-expect-error customerInternalReference is required
export const missingReference: AccountRequest = { workflowDefinition: { key: 10011 } };

/** What a 10011 integration reads from the details once the status is PROCESSED. */
export interface Outcome {
  passed: boolean;
  decision: string;
  riskScore: number | undefined;
  capabilities: string[];
  failedCapabilities: string[];
  name: string | undefined;
  dateOfBirth: string | undefined;
  documentType: string | undefined;
  similarity: string | undefined;
  parts: string[];
}

export function readDetails(details: Details): Outcome {
  const capabilities = details.capabilities ?? {};
  const failedCapabilities: string[] = [];
  for (const [name, results] of Object.entries(capabilities)) {
    for (const result of results ?? []) {
      if (result.decision.type !== "PASSED") {
        const label = result.decision.details?.label ?? result.decision.type;
        failedCapabilities.push(`${name}: ${label}`);
      }
    }
  }
  const extracted = capabilities.extraction?.[0]?.data;
  const parts = (details.credentials ?? []).flatMap((credential) =>
    (credential.parts ?? []).map((part) => `${credential.category}/${part.classifier}`),
  );
  return {
    passed: details.workflow.status === "PROCESSED" && details.decision?.type === "PASSED",
    decision: details.decision?.type ?? "NONE",
    riskScore: details.decision?.risk?.score,
    capabilities: Object.keys(capabilities),
    failedCapabilities,
    name: extracted ? `${extracted.firstName ?? ""} ${extracted.lastName ?? ""}`.trim() : undefined,
    dateOfBirth: extracted?.dateOfBirth,
    documentType: extracted?.type,
    similarity: capabilities.similarity?.[0]?.data?.similarity,
    parts,
  };
}

// A details body as the sandbox returns it for 10011, typed as the response.
export const processed: Details = {
  workflow: {
    id: "22222222-2222-2222-2222-aaaaaaaaaaaa",
    status: "PROCESSED",
    definitionKey: "10011",
    customerInternalReference: "order-1",
  },
  account: { id: "11111111-1111-1111-1111-aaaaaaaaaaaa" },
  createdAt: "2026-11-02T09:15:27.103Z",
  decision: { type: "PASSED", details: { label: "PASSED" }, risk: { score: 12.5 } },
  credentials: [
    {
      id: "33333333-3333-3333-aaaaaaaaaaaa",
      category: "ID",
      parts: [
        {
          classifier: "FRONT",
          href: "http://127.0.0.1:8787/api/v1/accounts/1/credentials/3/parts/FRONT",
        },
      ],
    },
  ],
  capabilities: {
    extraction: [
      {
        id: "1a11111-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        decision: { type: "PASSED", details: { label: "OK" } },
        data: {
          type: "DRIVING_LICENSE",
          firstName: "JANE",
          lastName: "DOE",
          dateOfBirth: "1990-01-01",
        },
      },
    ],
    similarity: [
      {
        id: "1h11111-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        decision: { type: "PASSED", details: { label: "MATCH" } },
        data: { similarity: "MATCH" },
      },
    ],
    // A capability the spec does not list has the common result shape.
    ageEstimation: [
      {
        id: "9a11111-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        decision: { type: "PASSED" },
        data: { estimatedAge: 31 },
      },
    ],
  },
};

export const wrongDetails: Details = {
  // @ts-expect-error the workflow id is a string, not a number
  workflow: { id: 22222222, status: "PROCESSED" },
  account: { id: "11111111-1111-1111-1111-aaaaaaaaaaaa" },
};
export const wrongScore: Details = {
  workflow: { id: "22222222-2222-2222-2222-aaaaaaaaaaaa", status: "PROCESSED" },
  account: { id: "11111111-1111-1111-1111-aaaaaaaaaaaa" },
  // @ts-expect-error the risk score is a number
  decision: { type: "PASSED", risk: { score: "12.5" } },
};

export const outcome: Outcome = readDetails(processed);
export const typeChecks = [
  createBodyIsAccountRequest,
  createResultIsAccountResponse,
  detailsIsWorkflowExecutionDetails,
];
